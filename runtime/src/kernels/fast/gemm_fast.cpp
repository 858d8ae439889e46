// Fast Gemm: matrix-vector products for the few rows of a batch-1 fully connected
// layer (memory-bound: the weights are read once, with vector loads, by every thread
// a range of them: two cores draw more from memory than one), packed GEMM
// when A has enough rows to fill the micro-kernel.
#include "kernels/fast/fast.h"
#include "kernels/fast/parallel.h"
#include "kernels/fast/simd.h"

namespace sepnn {
namespace rt {
namespace fast {
namespace {

float dot(const float *a, const float *b, int64_t K) {
  VFloat s0{}, s1{}, s2{}, s3{};
  int64_t k = 0;
  for (; k + 4 * kVec <= K; k += 4 * kVec) {
    s0 += load(a + k) * load(b + k);
    s1 += load(a + k + kVec) * load(b + k + kVec);
    s2 += load(a + k + 2 * kVec) * load(b + k + 2 * kVec);
    s3 += load(a + k + 3 * kVec) * load(b + k + 3 * kVec);
  }
  const VFloat s = (s0 + s1) + (s2 + s3);
  float r = 0;
  for (int i = 0; i < kVec; ++i)
    r += s[i];
  for (; k < K; ++k)
    r += a[k] * b[k];
  return r;
}

} // namespace

TensorData gemm(const TensorData &a, const TensorData &b, const TensorData *c,
                double alpha, double beta, int64_t transA, int64_t transB) {
  const kernels::GemmShape s = kernels::gemmShape(a, b, transA, transB);
  TensorData y = kernels::gemmInitial(c, beta, s.M, s.N);
  float *yp = y.mut();
  const float *ap = a.data(), *bp = b.data();
  const float al = (float)alpha;
  constexpr int64_t kFewRows = 4;
  if (s.M <= kFewRows && !transA) {
    for (int64_t m = 0; m < s.M; ++m) {
      const float *arow = ap + m * s.K;
      float *yrow = yp + m * s.N;
      if (transB) { // B is [N,K]: one dot product per output, ranges in parallel
        parallelRanges(s.N, [&](int64_t n0, int64_t n1) {
          for (int64_t n = n0; n < n1; ++n)
            yrow[n] += al * dot(arow, bp + n * s.K, s.K);
        });
      } else { // B is [K,N]: scaled rows of B accumulate into the output row
        for (int64_t k = 0; k < s.K; ++k) {
          const float av = al * arow[k];
          const VFloat av4 = splat(av);
          const float *brow = bp + k * s.N;
          int64_t n = 0;
          for (; n + kVec <= s.N; n += kVec)
            store(yrow + n, load(yrow + n) + av4 * load(brow + n));
          for (; n < s.N; ++n)
            yrow[n] += av * brow[n];
        }
      }
    }
    return y;
  }
  // A packed (alpha folded in); B as a row-major [K,N] matrix.
  const PackedA pa = packA(ap, s.M, s.K, transA ? 1 : s.K, transA ? s.M : 1, al);
  std::vector<float> bt;
  if (transB) {
    bt.resize((size_t)(s.K * s.N));
    for (int64_t n = 0; n < s.N; ++n)
      for (int64_t k = 0; k < s.K; ++k)
        bt[k * s.N + n] = bp[n * s.K + k];
    bp = bt.data();
  }
  Epilogue ep;
  ep.accumulate = true;
  sgemm(pa, bp, s.N, s.N, yp, s.N, ep);
  return y;
}

} // namespace fast
} // namespace rt
} // namespace sepnn
