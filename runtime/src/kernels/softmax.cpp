// Softmax (ONNX opset 13: along one axis), numerically stable: the maximum along the
// axis is subtracted before exp, so large inputs cannot overflow.
#include "kernels/kernels.h"

#include <algorithm>
#include <cmath>

namespace sepnn {
namespace rt {
namespace kernels {

TensorData softmax(const TensorData &x, int64_t axis) {
  if (x.rank() < 1)
    fail("x must have at least 1 dim, got ", shapeStr(x.shape));
  axis = normAxis(axis, x.rank(), false, x.shape);
  const int64_t dim = x.shape[axis];
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < axis; ++i)
    outer *= x.shape[i];
  for (int64_t i = axis + 1; i < x.rank(); ++i)
    inner *= x.shape[i];
  TensorData y = TensorData::zeros(x.shape);
  const float *xp = x.data();
  float *yp = y.mut();
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      const float *in = xp + o * dim * inner + i; // element d at in[d * inner]
      float *out = yp + o * dim * inner + i;
      float m = in[0];
      for (int64_t d = 1; d < dim; ++d)
        m = std::max(m, in[d * inner]);
      double sum = 0;
      for (int64_t d = 0; d < dim; ++d) {
        const float e = std::exp(in[d * inner] - m);
        out[d * inner] = e;
        sum += e;
      }
      const float inv = (float)(1.0 / sum);
      for (int64_t d = 0; d < dim; ++d)
        out[d * inner] *= inv;
    }
  return y;
}

} // namespace kernels
} // namespace rt
} // namespace sepnn
