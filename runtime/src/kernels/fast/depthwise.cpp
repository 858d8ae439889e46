#include "kernels/fast/depthwise.h"

#include "kernels/fast/parallel.h"
#include "kernels/fast/phase_planes.h"

#include <vector>

namespace sepnn {
namespace rt {
namespace fast {

void depthwise(const float *x, const float *w, const float *bias,
               const kernels::ConvGeometry &g, const Clamp &clamp, float *y) {
  const Window window = Window::of(g);
  const PhaseLayout layout(window, kVec);
  const int64_t taps = g.KH * g.KW;
  parallelFor(g.N * g.C, [&](int64_t nc) {
    thread_local std::vector<float> phases, sums;
    phases.resize((size_t)layout.bufferSize);
    sums.resize((size_t)layout.outputs);
    const int64_t c = nc % g.C;
    fillPhases(x + nc * g.H * g.W, window, layout, 0.0f, phases.data());
    const float *k = w + c * taps;
    const VFloat b = splat(bias ? bias[c] : 0.0f);
    const float *planes = phases.data();
    const int64_t *offsets = layout.tapOffset.data();
    // kBlock vectors at a time: independent multiply-add chains (one chain waits for
    // each multiply-add's latency, several keep the FMA units busy). `outputs` is whole
    // vectors; the last block may be shorter.
    constexpr int kBlock = 6;
    int64_t q = 0;
    for (; q + kBlock * kVec <= layout.outputs; q += kBlock * kVec) {
      VFloat acc[kBlock];
      for (int j = 0; j < kBlock; ++j)
        acc[j] = b;
      for (int64_t t = 0; t < taps; ++t) {
        const VFloat kt = splat(k[t]);
        const float *src = planes + offsets[t] + q;
#pragma GCC unroll 8
        for (int j = 0; j < kBlock; ++j)
          acc[j] += kt * load(src + j * kVec);
      }
      for (int j = 0; j < kBlock; ++j)
        store(sums.data() + q + j * kVec, clamp(acc[j]));
    }
    for (; q < layout.outputs; q += kVec) {
      VFloat acc = b;
      for (int64_t t = 0; t < taps; ++t)
        acc += splat(k[t]) * load(planes + offsets[t] + q);
      store(sums.data() + q, clamp(acc));
    }
    gatherRows(sums.data(), window, layout, y + nc * g.OH * g.OW);
  });
}

} // namespace fast
} // namespace rt
} // namespace sepnn
