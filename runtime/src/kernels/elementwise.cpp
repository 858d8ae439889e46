// Elementwise kernels: Relu and Add with numpy broadcasting.
#include "kernels/kernels.h"

#include <algorithm>

namespace sepnn {
namespace rt {
namespace kernels {

TensorData relu(const TensorData &x) {
  TensorData y = TensorData::zeros(x.shape);
  const float *xp = x.data();
  float *yp = y.mut();
  const int64_t n = x.numel();
  for (int64_t i = 0; i < n; ++i)
    yp[i] = xp[i] > 0.0f ? xp[i] : 0.0f;
  return y;
}

TensorData add(const TensorData &a, const TensorData &b) {
  if (a.shape == b.shape) { // the common case: no index arithmetic
    TensorData y = TensorData::zeros(a.shape);
    const float *ap = a.data(), *bp = b.data();
    float *yp = y.mut();
    for (int64_t i = 0, n = a.numel(); i < n; ++i)
      yp[i] = ap[i] + bp[i];
    return y;
  }
  // Right-align both shapes; each output dim takes the non-1 extent.
  const size_t r = std::max(a.shape.size(), b.shape.size());
  Shape out(r), sa(r, 0), sb(r, 0); // sa/sb: element strides, 0 where broadcast
  int64_t strideA = 1, strideB = 1;
  for (size_t i = r; i-- > 0;) {
    const int64_t off = (int64_t)r - (int64_t)i;
    const int64_t da = off <= a.rank() ? a.shape[a.rank() - off] : 1;
    const int64_t db = off <= b.rank() ? b.shape[b.rank() - off] : 1;
    if (da != db && da != 1 && db != 1)
      fail("shapes ", shapeStr(a.shape), " and ", shapeStr(b.shape),
           " cannot be broadcast together");
    out[i] = da == 1 ? db : da;
    sa[i] = da == 1 ? 0 : strideA;
    sb[i] = db == 1 ? 0 : strideB;
    strideA *= da;
    strideB *= db;
  }
  TensorData y = TensorData::zeros(out);
  const int64_t total = y.numel();
  if (total == 0)
    return y;
  const float *ap = a.data(), *bp = b.data();
  float *yp = y.mut();
  // Odometer over the outer dims, a tight loop over the last one.
  const int64_t last = r ? out[r - 1] : 1, la = r ? sa[r - 1] : 0, lb = r ? sb[r - 1] : 0;
  Shape idx(r, 0);
  int64_t offA = 0, offB = 0;
  for (int64_t o = 0; o < total; o += last) {
    for (int64_t j = 0; j < last; ++j)
      yp[o + j] = ap[offA + j * la] + bp[offB + j * lb];
    for (int64_t d = (int64_t)r - 2; d >= 0; --d) {
      offA += sa[d];
      offB += sb[d];
      if (++idx[d] < out[d])
        break;
      offA -= sa[d] * out[d];
      offB -= sb[d] * out[d];
      idx[d] = 0;
    }
  }
  return y;
}

} // namespace kernels
} // namespace rt
} // namespace sepnn
