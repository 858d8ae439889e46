// MatMul with numpy semantics: 1-D operands are promoted ([K] -> [1,K] on the left,
// [K,1] on the right) and the added dim dropped from the result; the leading (batch)
// dims broadcast.
#include "kernels/kernels.h"

namespace sepnn {
namespace rt {
namespace kernels {

TensorData matmul(const TensorData &a, const TensorData &b) {
  if (a.rank() < 1 || b.rank() < 1)
    fail("operands must have at least 1 dim, got ", shapeStr(a.shape), " and ",
         shapeStr(b.shape));
  Shape as = a.shape, bs = b.shape;
  const bool aVec = as.size() == 1, bVec = bs.size() == 1;
  if (aVec)
    as.insert(as.begin(), 1);
  if (bVec)
    bs.push_back(1);
  const int64_t M = as[as.size() - 2], K = as.back();
  const int64_t KB = bs[bs.size() - 2], N = bs.back();
  if (K != KB)
    fail("inner dimensions differ: a ", shapeStr(a.shape), " has K=", K, ", b ",
         shapeStr(b.shape), " has K=", KB);
  const Shape aBatch(as.begin(), as.end() - 2), bBatch(bs.begin(), bs.end() - 2);
  const Shape batch = broadcastShapes(aBatch, bBatch);
  const Shape sa = broadcastStrides(aBatch, batch), sb = broadcastStrides(bBatch, batch);
  Shape out = batch;
  if (!aVec)
    out.push_back(M);
  if (!bVec)
    out.push_back(N);
  TensorData y = TensorData::zeros(out);
  const int64_t nBatch = numelOf(batch);
  const float *ap = a.data(), *bp = b.data();
  float *yp = y.mut();
  for (int64_t bi = 0; bi < nBatch; ++bi) {
    // Matrix offsets of this batch element in a and b (in matrices).
    int64_t offA = 0, offB = 0;
    for (int64_t d = (int64_t)batch.size() - 1, rem = bi; d >= 0; --d) {
      const int64_t i = rem % batch[d];
      rem /= batch[d];
      offA += i * sa[d];
      offB += i * sb[d];
    }
    const float *am = ap + offA * M * K, *bm = bp + offB * K * N;
    float *ym = yp + bi * M * N;
    // Accumulate scaled rows of B into each output row (contiguous inner loop).
    for (int64_t m = 0; m < M; ++m)
      for (int64_t k = 0; k < K; ++k) {
        const float av = am[m * K + k];
        const float *brow = bm + k * N;
        float *yrow = ym + m * N;
        for (int64_t n = 0; n < N; ++n)
          yrow[n] += av * brow[n];
      }
  }
  return y;
}

} // namespace kernels
} // namespace rt
} // namespace sepnn
