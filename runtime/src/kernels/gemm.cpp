// Gemm: Y = alpha * op(A) * op(B) + beta * C, C unidirectionally broadcast to [M,N].
#include "kernels/kernels.h"

namespace sepnn {
namespace rt {
namespace kernels {

GemmShape gemmShape(const TensorData &a, const TensorData &b, int64_t transA,
                    int64_t transB) {
  if (a.rank() != 2 || b.rank() != 2)
    fail("A and B must be 2-D, got ", shapeStr(a.shape), " and ", shapeStr(b.shape));
  GemmShape s;
  s.M = transA ? a.shape[1] : a.shape[0];
  s.K = transA ? a.shape[0] : a.shape[1];
  const int64_t KB = transB ? b.shape[1] : b.shape[0];
  s.N = transB ? b.shape[0] : b.shape[1];
  if (s.K != KB)
    fail("inner dimensions differ: A ", shapeStr(a.shape), (transA ? " (transposed)" : ""),
         " has K=", s.K, ", B ", shapeStr(b.shape), (transB ? " (transposed)" : ""),
         " has K=", KB);
  return s;
}

TensorData gemmInitial(const TensorData *c, double beta, int64_t M, int64_t N) {
  TensorData y = TensorData::zeros({M, N});
  if (!c)
    return y;
  float *yp = y.mut();
  // Unidirectional broadcast: C's dims (right-aligned) are 1 or equal to [M,N].
  const Shape &cs = c->shape;
  const int64_t cm = cs.size() == 2 ? cs[0] : 1;
  const int64_t cn = cs.size() >= 1 ? cs.back() : 1;
  if (cs.size() > 2 || (cm != 1 && cm != M) || (cn != 1 && cn != N))
    fail("C ", shapeStr(cs), " cannot be broadcast to [", M, ",", N, "]");
  const float *cp = c->data();
  for (int64_t m = 0; m < M; ++m)
    for (int64_t n = 0; n < N; ++n)
      yp[m * N + n] = (float)(beta * cp[(cm == 1 ? 0 : m) * cn + (cn == 1 ? 0 : n)]);
  return y;
}

TensorData gemm(const TensorData &a, const TensorData &b, const TensorData *c,
                double alpha, double beta, int64_t transA, int64_t transB) {
  const GemmShape shape = gemmShape(a, b, transA, transB);
  const int64_t M = shape.M, K = shape.K, N = shape.N;
  TensorData y = gemmInitial(c, beta, M, N);
  float *yp = y.mut();
  const float *ap = a.data(), *bp = b.data();
  const float al = (float)alpha;
  for (int64_t m = 0; m < M; ++m) {
    float *yrow = yp + m * N;
    if (transB) {
      // B is [N,K]: a dot product over contiguous rows of A and B.
      for (int64_t n = 0; n < N; ++n) {
        float s = 0;
        for (int64_t k = 0; k < K; ++k)
          s += (transA ? ap[k * M + m] : ap[m * K + k]) * bp[n * K + k];
        yrow[n] += al * s;
      }
    } else {
      // B is [K,N]: accumulate scaled rows of B into the output row.
      for (int64_t k = 0; k < K; ++k) {
        const float av = al * (transA ? ap[k * M + m] : ap[m * K + k]);
        const float *brow = bp + k * N;
        for (int64_t n = 0; n < N; ++n)
          yrow[n] += av * brow[n];
      }
    }
  }
  return y;
}

} // namespace kernels
} // namespace rt
} // namespace sepnn
