// Elementwise functions of two tensors (BinaryKind: Add, Sub, Mul, Div, PRelu) with
// numpy broadcasting. Relu and the other one-tensor functions are in unary.cpp.
#include "kernels/kernels.h"

#include <algorithm>

namespace sepnn {
namespace rt {
namespace kernels {

Shape broadcastShapes(const Shape &a, const Shape &b) {
  const size_t r = std::max(a.size(), b.size());
  Shape out(r);
  for (size_t off = 1; off <= r; ++off) {
    const int64_t da = off <= a.size() ? a[a.size() - off] : 1;
    const int64_t db = off <= b.size() ? b[b.size() - off] : 1;
    if (da != db && da != 1 && db != 1)
      fail("shapes ", shapeStr(a), " and ", shapeStr(b), " cannot be broadcast together");
    out[r - off] = da == 1 ? db : da;
  }
  return out;
}

Shape broadcastStrides(const Shape &in, const Shape &out) {
  Shape st(out.size(), 0);
  int64_t stride = 1;
  for (size_t off = 1; off <= in.size() && off <= out.size(); ++off) {
    const int64_t d = in[in.size() - off];
    st[out.size() - off] = d == 1 ? 0 : stride;
    stride *= d;
  }
  return st;
}

namespace {

template <class F> TensorData apply(const TensorData &a, const TensorData &b, F f) {
  if (a.shape == b.shape) { // the common case: no index arithmetic
    TensorData y = TensorData::uninit(a.shape);
    const float *ap = a.data(), *bp = b.data();
    float *yp = y.mut();
    for (int64_t i = 0, n = a.numel(); i < n; ++i)
      yp[i] = f(ap[i], bp[i]);
    return y;
  }
  const Shape out = broadcastShapes(a.shape, b.shape);
  const Shape sa = broadcastStrides(a.shape, out), sb = broadcastStrides(b.shape, out);
  const size_t r = out.size();
  TensorData y = TensorData::uninit(out);
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
      yp[o + j] = f(ap[offA + j * la], bp[offB + j * lb]);
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

} // namespace

TensorData binary(const TensorData &a, const TensorData &b, BinaryKind kind) {
  switch (kind) {
  case BinaryKind::Add:
    return apply(a, b, [](float x, float y) { return x + y; });
  case BinaryKind::Sub:
    return apply(a, b, [](float x, float y) { return x - y; });
  case BinaryKind::Mul:
    return apply(a, b, [](float x, float y) { return x * y; });
  case BinaryKind::Div:
    return apply(a, b, [](float x, float y) { return x / y; }); // IEEE: inf/NaN on 0
  case BinaryKind::PRelu:
    // The slope broadcasts unidirectionally: the result has x's shape.
    for (size_t off = 1; off <= b.shape.size(); ++off) {
      const int64_t db = b.shape[b.shape.size() - off];
      if (off > a.shape.size() || (db != 1 && db != a.shape[a.shape.size() - off]))
        fail("slope ", shapeStr(b.shape), " does not broadcast to x ", shapeStr(a.shape));
    }
    return apply(a, b, [](float x, float s) { return x >= 0.0f ? x : s * x; });
  }
  fail("unknown binary kind ", (int32_t)kind);
}

TensorData add(const TensorData &a, const TensorData &b) {
  return binary(a, b, BinaryKind::Add);
}

} // namespace kernels
} // namespace rt
} // namespace sepnn
