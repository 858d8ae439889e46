// Elementwise functions of one tensor (UnaryKind): Relu, LeakyRelu, Clip, Sigmoid,
// HardSigmoid, HardSwish, Tanh, Neg, Exp, Sqrt.
#include "kernels/kernels.h"

#include <algorithm>
#include <cfloat>
#include <cmath>

namespace sepnn {
namespace rt {
namespace kernels {
namespace {

// double attribute -> float, saturating (a Clip bound of +-DBL_MAX means "none").
float toFloat(double d) {
  if (d > FLT_MAX)
    return INFINITY;
  if (d < -FLT_MAX)
    return -INFINITY;
  return (float)d;
}

template <class F> void map(const float *x, float *y, int64_t n, F f) {
  for (int64_t i = 0; i < n; ++i)
    y[i] = f(x[i]);
}

} // namespace

TensorData unary(const TensorData &x, UnaryKind kind, double alphaD, double betaD) {
  const float alpha = toFloat(alphaD), beta = toFloat(betaD);
  if ((int32_t)kind < 0 || kind > UnaryKind::Sqrt)
    fail("unknown unary kind ", (int32_t)kind);
  TensorData y = TensorData::uninit(x.shape);
  const float *xp = x.data();
  float *yp = y.mut();
  const int64_t n = x.numel();
  switch (kind) {
  case UnaryKind::Relu:
    map(xp, yp, n, [](float v) { return v > 0.0f ? v : 0.0f; });
    break;
  case UnaryKind::LeakyRelu:
    map(xp, yp, n, [=](float v) { return v >= 0.0f ? v : alpha * v; });
    break;
  case UnaryKind::Clip:
    map(xp, yp, n, [=](float v) { return std::min(std::max(v, alpha), beta); });
    break;
  case UnaryKind::Sigmoid:
    // Both branches evaluate exp of a non-positive number: no overflow.
    map(xp, yp, n, [](float v) {
      if (v >= 0.0f)
        return 1.0f / (1.0f + std::exp(-v));
      const float e = std::exp(v);
      return e / (1.0f + e);
    });
    break;
  case UnaryKind::HardSigmoid:
    map(xp, yp, n,
        [=](float v) { return std::max(0.0f, std::min(1.0f, alpha * v + beta)); });
    break;
  case UnaryKind::HardSwish:
    map(xp, yp, n,
        [](float v) { return v * std::max(0.0f, std::min(1.0f, v / 6.0f + 0.5f)); });
    break;
  case UnaryKind::Tanh:
    map(xp, yp, n, [](float v) { return std::tanh(v); });
    break;
  case UnaryKind::Neg:
    map(xp, yp, n, [](float v) { return -v; });
    break;
  case UnaryKind::Exp:
    map(xp, yp, n, [](float v) { return std::exp(v); });
    break;
  case UnaryKind::Sqrt:
    map(xp, yp, n, [](float v) { return std::sqrt(v); }); // NaN below 0, as ONNX
    break;
  }
  return y;
}

TensorData relu(const TensorData &x) { return unary(x, UnaryKind::Relu, 0, 0); }

} // namespace kernels
} // namespace rt
} // namespace sepnn
