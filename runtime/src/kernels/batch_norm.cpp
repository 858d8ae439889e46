// Inference-mode BatchNormalization: y = (x - mean) / sqrt(var + eps) * scale + bias.
#include "kernels/kernels.h"

#include <algorithm>
#include <cmath>

namespace sepnn {
namespace rt {
namespace kernels {

TensorData batchNorm(const TensorData &x, const TensorData &scale,
                     const TensorData &bias, const TensorData &mean,
                     const TensorData &var, double epsilon) {
  if (x.rank() < 2)
    fail("x must have at least 2 dims [N,C,...], got ", shapeStr(x.shape));
  const int64_t N = x.shape[0], C = x.shape[1];
  const int64_t inner = x.numel() / std::max<int64_t>(1, N * C);
  const std::pair<const TensorData *, const char *> params[] = {
      {&scale, "scale"}, {&bias, "bias"}, {&mean, "mean"}, {&var, "var"}};
  for (auto &p : params)
    if (p.first->rank() != 1 || p.first->shape[0] != C)
      fail(p.second, " must be [", C, "] for x ", shapeStr(x.shape), ", got ",
           shapeStr(p.first->shape));
  TensorData y = TensorData::zeros(x.shape);
  const float *xp = x.data();
  float *yp = y.mut();
  for (int64_t c = 0; c < C; ++c) {
    // Fold into one multiply-add per element, computed in double for accuracy.
    const double k = scale.data()[c] / std::sqrt((double)var.data()[c] + epsilon);
    const float a = (float)k, s = (float)(bias.data()[c] - k * mean.data()[c]);
    for (int64_t n = 0; n < N; ++n) {
      const int64_t off = (n * C + c) * inner;
      for (int64_t i = 0; i < inner; ++i)
        yp[off + i] = xp[off + i] * a + s;
    }
  }
  return y;
}

} // namespace kernels
} // namespace rt
} // namespace sepnn
