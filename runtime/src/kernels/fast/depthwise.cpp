#include "kernels/fast/depthwise.h"

#include "kernels/fast/parallel.h"
#include "kernels/fast/phase_planes.h"

#include <algorithm>
#include <vector>

namespace sepnn {
namespace rt {
namespace fast {

void depthwise(const float *x, const float *w, const float *bias,
               const kernels::ConvGeometry &g, const Clamp &clamp, float *y) {
  const Window window = Window::of(g);
  const PhaseLayout layout(window, kVec);
  const int64_t taps = g.KH * g.KW;
  // One channel: its planes copied into `phases` (padding already zero), the sums
  // into `sums`, its rows out.
  auto channel = [&](int64_t nc, float *phases, float *sums) {
    const int64_t c = nc % g.C;
    copyPhases(x + nc * g.H * g.W, window, layout, phases);
    const float *k = w + c * taps;
    const VFloat b = splat(bias ? bias[c] : 0.0f);
    const float *planes = phases;
    const int64_t *offsets = layout.tapOffset.data();
    // kBlock vectors at a time: independent multiply-add chains (one chain waits for
    // each multiply-add's latency, several keep the FMA units busy); the last block
    // may be shorter (`outputs` is whole vectors).
    constexpr int kBlock = 6;
    for (int64_t q = 0; q < layout.outputs; q += kBlock * kVec) {
      const int64_t n = std::min<int64_t>(kBlock, (layout.outputs - q) / kVec);
      VFloat acc[kBlock];
#pragma GCC unroll 8
      for (int j = 0; j < kBlock; ++j)
        acc[j] = b;
      for (int64_t t = 0; t < taps; ++t) {
        const VFloat kt = splat(k[t]);
        const float *src = planes + offsets[t] + q;
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
    gatherRows(sums, window, layout, y + nc * g.OH * g.OW);
  };
  parallelRanges(g.N * g.C, [&](int64_t first, int64_t end) {
    thread_local std::vector<float> phases, sums;
    phases.resize((size_t)layout.bufferSize);
    sums.resize((size_t)layout.outputs);
    clearPhases(layout, 0.0f, phases.data());
    for (int64_t nc = first; nc < end; ++nc)
      channel(nc, phases.data(), sums.data());
  });
}

} // namespace fast
} // namespace rt
} // namespace sepnn
