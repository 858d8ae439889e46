#include "kernels/fast/depthwise.h"

#include "kernels/fast/phase_planes.h"

#include <algorithm>

namespace sepnn {
namespace rt {
namespace fast {
namespace {

// One output row of a 3x3 depthwise convolution with padding 1 and stride S (1 or 2)
// straight from the input rows (null: a padding row): each vector of outputs reads
// its columns and their left and right neighbours by shuffling whole-vector loads
// (partial at the row's end, zeros beyond), so no padded copy of the plane is made.
template <int S>
void rowOf3x3(const float *const rows[3], const float *k, VFloat bias, const Clamp &clamp,
              int64_t W, int64_t OW, float *out) {
  VFloat before[3] = {}; // per input row: the vector left of the current one
  for (int64_t ow = 0; ow < OW; ow += kVec) {
    VFloat acc[3] = {bias, VFloat{}, VFloat{}}; // one chain per input row
    for (int r = 0; r < 3; ++r) {
      if (!rows[r])
        continue;
      const float *row = rows[r];
      VFloat left, centre, right;
      if (S == 1) { // columns ow - 1, ow, ow + 1
        centre = loadUpTo(row + ow, W - ow);
        const VFloat after = loadUpTo(row + ow + kVec, W - ow - kVec);
        left = previousColumn(before[r], centre);
        right = nextColumn(centre, after);
        before[r] = centre;
      } else { // columns 2 ow - 1, 2 ow, 2 ow + 1
        const VFloat a = loadUpTo(row + 2 * ow, W - 2 * ow),
                     b = loadUpTo(row + 2 * ow + kVec, W - 2 * ow - kVec);
        centre = evenLanes(a, b);
        right = oddLanes(a, b);
        left = previousColumn(before[r], right);
        before[r] = right;
      }
      acc[r] += splat(k[3 * r]) * left + splat(k[3 * r + 1]) * centre +
                splat(k[3 * r + 2]) * right;
    }
    const VFloat v = clamp(acc[0] + acc[1] + acc[2]);
    if (ow + kVec <= OW)
      store(out + ow, v);
    else
      storePartial(out + ow, v, OW - ow);
  }
}

// 3x3, stride 1 or 2 in both directions, padding 1 on every side, no dilation: the
// networks' depthwise layers.
bool isRowsOf3x3(const kernels::ConvGeometry &g) {
  const int64_t s = g.strides[0];
  return g.KH == 3 && g.KW == 3 && g.dil[0] == 1 && g.dil[1] == 1 && s == g.strides[1] &&
         (s == 1 || s == 2) && g.pads[0] == 1 && g.pads[1] == 1 && g.pads[2] == 1 &&
         g.pads[3] == 1;
}

} // namespace

void depthwise(const float *x, const float *w, const float *bias,
               const kernels::ConvGeometry &g, const Clamp &clamp, float *y) {
  const Window window = Window::of(g);
  auto biasOf = [&](int64_t plane) { return splat(bias ? bias[plane % g.C] : 0.0f); };
  if (isRowsOf3x3(g)) {
    forEachRowOf3(window, g.N * g.C, x, y,
                  [&](int64_t plane, const float *const rows[3], float *out) {
                    const float *k = w + plane % g.C * 9;
                    if (g.strides[0] == 1)
                      rowOf3x3<1>(rows, k, biasOf(plane), clamp, g.W, g.OW, out);
                    else
                      rowOf3x3<2>(rows, k, biasOf(plane), clamp, g.W, g.OW, out);
                  });
    return;
  }
  const PhaseLayout layout(window, kVec);
  const int64_t taps = g.KH * g.KW;
  forEachPhasePlane(
      window, layout, g.N * g.C, x, 0.0f, y,
      [&](int64_t plane, const float *phases, float *sums) {
        const float *k = w + plane % g.C * taps;
        const VFloat b = biasOf(plane);
        // kBlock vectors at a time: independent multiply-add chains (one chain waits
        // for each multiply-add's latency, several keep the FMA units busy); the last
        // block may be shorter (`outputs` is whole vectors).
        constexpr int kBlock = 6;
        for (int64_t q = 0; q < layout.outputs; q += kBlock * kVec) {
          const int64_t n = std::min<int64_t>(kBlock, (layout.outputs - q) / kVec);
          VFloat acc[kBlock];
#pragma GCC unroll 8
          for (int j = 0; j < kBlock; ++j)
            acc[j] = b;
          for (int64_t t = 0; t < taps; ++t) {
            const VFloat kt = splat(k[t]);
            const float *src = phases + layout.tapOffset[t] + q;
#pragma GCC unroll 8
            for (int j = 0; j < kBlock; ++j)
              if (j < n)
                acc[j] += kt * load(src + j * kVec);
          }
#pragma GCC unroll 8
          for (int j = 0; j < kBlock; ++j)
            if (j < n)
              store(sums + q + j * kVec, clamp(acc[j]));
        }
      });
}

} // namespace fast
} // namespace rt
} // namespace sepnn
