// Data movement: Flatten, Slice (one axis), Concat.
#include "kernels/kernels.h"

#include <algorithm>
#include <cstring>

namespace sepnn {
namespace rt {
namespace kernels {

static int64_t normAxis(int64_t axis, int64_t rank, bool allowRank, const Shape &s) {
  const int64_t hi = allowRank ? rank : rank - 1;
  if (axis < -rank || axis > hi)
    fail("axis ", axis, " is out of range for shape ", shapeStr(s));
  return axis < 0 ? axis + rank : axis;
}

TensorData flatten(const TensorData &x, int64_t axis) {
  axis = normAxis(axis, x.rank(), /*allowRank=*/true, x.shape);
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < x.rank(); ++i)
    (i < axis ? outer : inner) *= x.shape[i];
  TensorData y;
  y.shape = {outer, inner};
  y.own.assign(x.data(), x.data() + x.numel());
  return y;
}

TensorData slice(const TensorData &x, int64_t axis, int64_t start, int64_t end) {
  axis = normAxis(axis, x.rank(), false, x.shape);
  const int64_t dim = x.shape[axis];
  if (start < 0 || end > dim || start >= end)
    fail("range [", start, ", ", end, ") is not a non-empty part of dim ", axis,
         " (extent ", dim, ") of ", shapeStr(x.shape));
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < axis; ++i)
    outer *= x.shape[i];
  for (int64_t i = axis + 1; i < x.rank(); ++i)
    inner *= x.shape[i];
  Shape s = x.shape;
  s[axis] = end - start;
  TensorData y = TensorData::zeros(s);
  const int64_t chunk = (end - start) * inner;
  for (int64_t o = 0; o < outer; ++o)
    std::memcpy(y.mut() + o * chunk, x.data() + (o * dim + start) * inner,
                (size_t)chunk * sizeof(float));
  return y;
}

TensorData concat(const std::vector<const TensorData *> &parts, int64_t axis) {
  if (parts.empty())
    fail("needs at least one input");
  const Shape &s0 = parts[0]->shape;
  axis = normAxis(axis, (int64_t)s0.size(), false, s0);
  Shape out = s0;
  out[axis] = 0;
  for (size_t p = 0; p < parts.size(); ++p) {
    const Shape &s = parts[p]->shape;
    bool ok = s.size() == s0.size();
    for (size_t i = 0; ok && i < s.size(); ++i)
      ok = (int64_t)i == axis || s[i] == s0[i];
    if (!ok)
      fail("input ", p, " has shape ", shapeStr(s), ", incompatible with input 0 ",
           shapeStr(s0), " on axis ", axis);
    out[axis] += s[axis];
  }
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < axis; ++i)
    outer *= out[i];
  for (size_t i = axis + 1; i < out.size(); ++i)
    inner *= out[i];
  TensorData y = TensorData::zeros(out);
  const int64_t rowOut = out[axis] * inner;
  int64_t at = 0; // offset of the current part along the axis
  for (const TensorData *p : parts) {
    const int64_t chunk = p->shape[axis] * inner;
    for (int64_t o = 0; o < outer; ++o)
      std::memcpy(y.mut() + o * rowOut + at, p->data() + o * chunk,
                  (size_t)chunk * sizeof(float));
    at += chunk;
  }
  return y;
}

} // namespace kernels
} // namespace rt
} // namespace sepnn
