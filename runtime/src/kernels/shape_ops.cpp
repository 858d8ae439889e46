// Data movement: Flatten, Reshape, Transpose, Slice (one axis, unit or any step),
// Concat, Pad (constant).
#include "kernels/kernels.h"

#include <algorithm>
#include <cstring>

namespace sepnn {
namespace rt {
namespace kernels {

int64_t normAxis(int64_t axis, int64_t rank, bool allowRank, const Shape &s) {
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

ConcatLayout concatLayout(const std::vector<const TensorData *> &parts, int64_t axis) {
  if (parts.empty())
    fail("needs at least one input");
  const Shape &s0 = parts[0]->shape;
  ConcatLayout l;
  l.axis = normAxis(axis, (int64_t)s0.size(), false, s0);
  l.out = s0;
  l.out[l.axis] = 0;
  for (size_t p = 0; p < parts.size(); ++p) {
    const Shape &s = parts[p]->shape;
    bool ok = s.size() == s0.size();
    for (size_t i = 0; ok && i < s.size(); ++i)
      ok = (int64_t)i == l.axis || s[i] == s0[i];
    if (!ok)
      fail("input ", p, " has shape ", shapeStr(s), ", incompatible with input 0 ",
           shapeStr(s0), " on axis ", l.axis);
    l.out[l.axis] += s[l.axis];
  }
  l.outer = 1;
  l.inner = 1;
  for (int64_t i = 0; i < l.axis; ++i)
    l.outer *= l.out[i];
  for (size_t i = l.axis + 1; i < l.out.size(); ++i)
    l.inner *= l.out[i];
  return l;
}

TensorData concat(const std::vector<const TensorData *> &parts, int64_t axis) {
  const ConcatLayout l = concatLayout(parts, axis);
  TensorData y = TensorData::uninit(l.out);
  l.forEachCopy(parts, y.mut(), [](const float *from, float *to, int64_t count) {
    std::memcpy(to, from, (size_t)count * sizeof(float));
  });
  return y;
}

void checkReshape(const Shape &from, const Shape &to) {
  const int64_t n = numelOf(to); // rejects negative dims and overflow
  if (n != numelOf(from))
    fail("cannot reshape ", shapeStr(from), " (", numelOf(from), " elements) to ",
         shapeStr(to), " (", n, " elements)");
}

TensorData reshape(const TensorData &x, const Shape &shape) {
  checkReshape(x.shape, shape);
  TensorData y;
  y.shape = shape;
  y.own.assign(x.data(), x.data() + x.numel());
  return y;
}

TensorData transpose(const TensorData &x, const Ints &permIn) {
  const int64_t r = x.rank();
  Ints perm = permIn;
  if (perm.empty())
    for (int64_t i = r; i-- > 0;)
      perm.push_back(i);
  std::vector<bool> seen((size_t)r, false);
  bool ok = (int64_t)perm.size() == r;
  for (size_t i = 0; ok && i < perm.size(); ++i) {
    ok = perm[i] >= 0 && perm[i] < r && !seen[(size_t)perm[i]];
    if (ok)
      seen[(size_t)perm[i]] = true;
  }
  if (!ok)
    fail("perm ", shapeStr(permIn), " is not a permutation of the ", r, " dims of ",
         shapeStr(x.shape));
  Shape inStride((size_t)r, 1), out((size_t)r), st((size_t)r);
  for (int64_t i = r - 1; i > 0; --i)
    inStride[i - 1] = inStride[i] * x.shape[i];
  for (int64_t i = 0; i < r; ++i) {
    out[i] = x.shape[perm[i]];
    st[i] = inStride[perm[i]]; // input stride of output dim i
  }
  TensorData y = TensorData::zeros(out);
  const int64_t total = y.numel();
  if (total == 0)
    return y;
  const float *xp = x.data();
  float *yp = y.mut();
  const int64_t last = r ? out[r - 1] : 1, ls = r ? st[r - 1] : 0;
  Shape idx((size_t)r, 0);
  int64_t off = 0;
  for (int64_t o = 0; o < total; o += last) {
    for (int64_t j = 0; j < last; ++j)
      yp[o + j] = xp[off + j * ls];
    for (int64_t d = r - 2; d >= 0; --d) {
      off += st[d];
      if (++idx[d] < out[d])
        break;
      off -= st[d] * out[d];
      idx[d] = 0;
    }
  }
  return y;
}

TensorData sliceStep(const TensorData &x, int64_t axis, int64_t start, int64_t end,
                     int64_t step) {
  axis = normAxis(axis, x.rank(), false, x.shape);
  const int64_t dim = x.shape[axis];
  const bool ok = step > 0   ? 0 <= start && start < end && end <= dim
                  : step < 0 ? -1 <= end && end < start && start < dim
                             : false;
  if (!ok)
    fail("start ", start, ", end ", end, ", step ", step,
         " do not select a non-empty part of dim ", axis, " (extent ", dim, ") of ",
         shapeStr(x.shape));
  const int64_t count = step > 0 ? (end - start + step - 1) / step
                                 : (start - end + (-step) - 1) / (-step);
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < axis; ++i)
    outer *= x.shape[i];
  for (int64_t i = axis + 1; i < x.rank(); ++i)
    inner *= x.shape[i];
  Shape s = x.shape;
  s[axis] = count;
  TensorData y = TensorData::zeros(s);
  float *yp = y.mut();
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t c = 0; c < count; ++c)
      std::memcpy(yp + (o * count + c) * inner,
                  x.data() + (o * dim + start + c * step) * inner,
                  (size_t)inner * sizeof(float));
  return y;
}

TensorData pad(const TensorData &x, const Ints &pads, double value) {
  const int64_t r = x.rank();
  if ((int64_t)pads.size() != 2 * r)
    fail("expected ", 2 * r, " pads for ", shapeStr(x.shape), ", got ", shapeStr(pads));
  for (int64_t p : pads)
    if (p < 0)
      fail("negative pad in ", shapeStr(pads));
  Shape out((size_t)r);
  for (int64_t i = 0; i < r; ++i)
    out[i] = x.shape[i] + pads[i] + pads[r + i];
  TensorData y;
  y.shape = out;
  y.own.assign((size_t)numelOf(out), (float)value);
  const int64_t total = x.numel();
  if (total == 0)
    return y;
  if (r == 0) {
    y.own[0] = x.data()[0];
    return y;
  }
  // Output strides; copy each input row (last dim) to its place.
  Shape outStride((size_t)r, 1);
  for (int64_t i = r - 1; i > 0; --i)
    outStride[i - 1] = outStride[i] * out[i];
  int64_t base = 0; // output offset of the first element of the current input row
  for (int64_t i = 0; i < r; ++i)
    base += pads[i] * outStride[i];
  const int64_t last = x.shape[r - 1];
  Shape idx((size_t)r, 0);
  int64_t off = base;
  for (int64_t o = 0; o < total; o += last) {
    std::memcpy(y.own.data() + off, x.data() + o, (size_t)last * sizeof(float));
    for (int64_t d = r - 2; d >= 0; --d) {
      off += outStride[d];
      if (++idx[d] < x.shape[d])
        break;
      off -= outStride[d] * x.shape[d];
      idx[d] = 0;
    }
  }
  return y;
}

} // namespace kernels
} // namespace rt
} // namespace sepnn
