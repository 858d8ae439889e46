// ReduceMean over a set of axes, keepdims 0 or 1.
#include "kernels/kernels.h"

namespace sepnn {
namespace rt {
namespace kernels {

TensorData reduceMean(const TensorData &x, const Ints &axesIn, int64_t keepdims) {
  const int64_t r = x.rank();
  if (keepdims != 0 && keepdims != 1)
    fail("keepdims must be 0 or 1, got ", keepdims);
  Ints axes = axesIn;
  if (axes.empty())
    for (int64_t i = 0; i < r; ++i)
      axes.push_back(i);
  std::vector<bool> reduced((size_t)r, false);
  for (size_t i = 0; i < axes.size(); ++i) {
    if (axes[i] < 0 || axes[i] >= r || (i > 0 && axes[i] <= axes[i - 1]))
      fail("axes ", shapeStr(axesIn), " must be sorted, distinct and in [0, ", r,
           ") for ", shapeStr(x.shape));
    reduced[(size_t)axes[i]] = true;
  }
  // Kept shape (reduced dims as 1) and, per input dim, its stride in that shape.
  Shape kept = x.shape, out;
  int64_t count = 1;
  for (int64_t i = 0; i < r; ++i)
    if (reduced[i]) {
      count *= x.shape[i];
      kept[i] = 1;
      if (keepdims)
        out.push_back(1);
    } else {
      out.push_back(x.shape[i]);
    }
  const Shape st = broadcastStrides(kept, x.shape);
  std::vector<double> acc((size_t)numelOf(kept), 0.0);
  const int64_t total = x.numel();
  const float *xp = x.data();
  // Odometer over the input, accumulating into the output slot of each element.
  Shape idx((size_t)r, 0);
  int64_t off = 0;
  for (int64_t e = 0; e < total; ++e) {
    acc[(size_t)off] += xp[e];
    for (int64_t d = r - 1; d >= 0; --d) {
      off += st[d];
      if (++idx[d] < x.shape[d])
        break;
      off -= st[d] * x.shape[d];
      idx[d] = 0;
    }
  }
  TensorData y = TensorData::zeros(out);
  for (size_t i = 0; i < acc.size(); ++i) // count 0 (an empty dim): NaN, as numpy
    y.mut()[i] = (float)(acc[i] / (double)count);
  return y;
}

} // namespace kernels
} // namespace rt
} // namespace sepnn
