// Fast MaxPool: the networks' 3x3 stride-2 pools row by row from the input, other
// windows on phase planes (phase_planes.h) padded with -inf, so that every window is a
// fixed set of shifted vector loads; the reference kernel's NaN rule (a NaN never
// replaces the running maximum). And GlobalAveragePool.
#include "kernels/fast/fast.h"
#include "kernels/fast/parallel.h"
#include "kernels/fast/phase_planes.h"

#include <limits>

namespace sepnn {
namespace rt {
namespace fast {

namespace {

inline VFloat maxOf(VFloat acc, VFloat v) { return acc < v ? v : acc; } // NaN: kept out

// One output row of a 3x3 stride-2 max pool straight from the input rows (null: a
// padding row), left padding `left` (0 or 1): each vector of outputs takes columns
// 2 ow - left + {0, 1, 2} as the even and odd lanes of whole-vector loads, shifted by a
// lane; lanes past the row read -inf.
void poolRow3x3s2(const float *const rows[3], int64_t left, int64_t W, int64_t OW,
                  float *out) {
  const float lowest = -std::numeric_limits<float>::infinity();
  VFloat before[3]; // per input row: the previous vector's odd lanes
  for (int r = 0; r < 3; ++r)
    before[r] = splat(lowest);
  for (int64_t ow = 0; ow < OW; ow += kVec) {
    VFloat acc = splat(lowest);
    for (int r = 0; r < 3; ++r) {
      const float *row = rows[r];
      if (!row)
        continue;
      const int64_t c = 2 * ow; // the even lanes' column
      const VFloat a = loadUpTo(row + c, W - c, lowest),
                   b = loadUpTo(row + c + kVec, W - c - kVec, lowest);
      const VFloat even = evenLanes(a, b), odd = oddLanes(a, b);
      acc = maxOf(maxOf(acc, even), odd);
      if (left == 1) { // columns 2 ow - 1, 2 ow, 2 ow + 1
        acc = maxOf(acc, previousColumn(before[r], odd));
        before[r] = odd;
      } else { // columns 2 ow, 2 ow + 1, 2 ow + 2: the last lane's from the next pair
        const VFloat c2 = loadUpTo(row + c + 2 * kVec, W - c - 2 * kVec, lowest),
                     d2 = loadUpTo(row + c + 3 * kVec, W - c - 3 * kVec, lowest);
        acc = maxOf(acc, nextColumn(even, evenLanes(c2, d2)));
      }
    }
    if (ow + kVec <= OW)
      store(out + ow, acc);
    else
      storePartial(out + ow, acc, OW - ow);
  }
}

} // namespace

TensorData maxPool(const TensorData &x, const kernels::Ints &kernel,
                   const kernels::Ints &pads, const kernels::Ints &strides,
                   const kernels::Ints &dilations, int64_t ceilMode) {
  const kernels::PoolGeometry g =
      kernels::maxPoolGeometry(x, kernel, pads, strides, dilations, ceilMode);
  if (g.strides[1] > kMaxStride)
    return kernels::maxPool(x, kernel, pads, strides, dilations, ceilMode);
  TensorData y = TensorData::uninit({g.N, g.C, g.OH, g.OW});
  const Window window = Window::of(g);
  // The networks' pools (3x3, stride 2, padding 0 or 1 at the top and left, any at the
  // bottom and right or in ceil mode): row by row, no phase planes.
  if (g.KH == 3 && g.KW == 3 && g.strides[0] == 2 && g.strides[1] == 2 && g.dil[0] == 1 &&
      g.dil[1] == 1 && g.pads[0] <= 1 && g.pads[1] <= 1) {
    forEachRowOf3(window, g.N * g.C, x.data(), y.mut(),
                  [&](int64_t, const float *const rows[3], float *out) {
                    poolRow3x3s2(rows, g.pads[1], g.W, g.OW, out);
                  });
    return y;
  }
  constexpr int kBlock = 4; // vectors per step: independent max chains
  const PhaseLayout layout(window, kBlock * kVec);
  const float lowest = -std::numeric_limits<float>::infinity();
  forEachPhasePlane(window, layout, g.N * g.C, x.data(), lowest, y.mut(),
                    [&](int64_t, const float *phases, float *maxima) {
                      for (int64_t q = 0; q < layout.outputs; q += kBlock * kVec) {
                        VFloat acc[kBlock];
                        for (int j = 0; j < kBlock; ++j)
                          acc[j] = splat(lowest);
                        for (int64_t tap : layout.tapOffset) {
                          const float *src = phases + tap + q;
#pragma GCC unroll 8
                          for (int j = 0; j < kBlock; ++j)
                            acc[j] = maxOf(acc[j], load(src + j * kVec));
                        }
                        for (int j = 0; j < kBlock; ++j)
                          store(maxima + q + j * kVec, acc[j]);
                      }
                    });
  return y;
}

TensorData globalAveragePool(const TensorData &x) {
  TensorData y = TensorData::uninit(kernels::globalPoolShape(x));
  const int64_t NC = x.shape[0] * x.shape[1];
  const int64_t inner = NC ? x.numel() / NC : 0;
  const float *xp = x.data();
  float *yp = y.mut();
  parallelRanges(NC, [&](int64_t first, int64_t end) {
    for (int64_t i = first; i < end; ++i) {
      // Double sums like the reference, in kLanes independent chains (one chain
      // waits for each add's latency).
      constexpr int kLanes = 8;
      double s[kLanes] = {};
      const float *p = xp + i * inner;
      int64_t j = 0;
      for (; j + kLanes <= inner; j += kLanes)
        for (int l = 0; l < kLanes; ++l)
          s[l] += p[j + l];
      for (; j < inner; ++j)
        s[0] += p[j];
      double total = 0;
      for (int l = 0; l < kLanes; ++l)
        total += s[l];
      yp[i] = inner ? (float)(total / (double)inner) : 0.0f;
    }
  });
  return y;
}

} // namespace fast
} // namespace rt
} // namespace sepnn
