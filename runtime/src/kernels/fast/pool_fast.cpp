// Fast MaxPool on phase planes (phase_planes.h): the padding holds -inf, so every
// window is a fixed set of shifted vector loads, max-ed in the reference kernel's
// order and with its NaN rule (a NaN never replaces the running maximum).
#include "kernels/fast/fast.h"
#include "kernels/fast/parallel.h"
#include "kernels/fast/phase_planes.h"

#include <limits>
#include <vector>

namespace sepnn {
namespace rt {
namespace fast {

TensorData maxPool(const TensorData &x, const kernels::Ints &kernel,
                   const kernels::Ints &pads, const kernels::Ints &strides,
                   const kernels::Ints &dilations, int64_t ceilMode) {
  const kernels::PoolGeometry g =
      kernels::maxPoolGeometry(x, kernel, pads, strides, dilations, ceilMode);
  if (g.strides[1] > kMaxStride)
    return kernels::maxPool(x, kernel, pads, strides, dilations, ceilMode);
  TensorData y = TensorData::uninit({g.N, g.C, g.OH, g.OW});
  const Window window{g.H,          g.W,          g.OH,       g.OW,       g.KH,       g.KW,
                      g.strides[0], g.strides[1], g.dil[0],   g.dil[1],   g.pads[0],  g.pads[1]};
  constexpr int kBlock = 4; // vectors per step: independent max chains
  const PhaseLayout layout(window, kBlock * kVec);
  const int64_t taps = g.KH * g.KW;
  const float lowest = -std::numeric_limits<float>::infinity();
  const float *xp = x.data();
  float *yp = y.mut();
  auto channel = [&](int64_t nc, float *phases, float *maxima) {
    copyPhases(xp + nc * g.H * g.W, window, layout, phases);
    const float *planes = phases;
    for (int64_t q = 0; q < layout.outputs; q += kBlock * kVec) {
      VFloat acc[kBlock];
      for (int j = 0; j < kBlock; ++j)
        acc[j] = splat(lowest);
      for (int64_t t = 0; t < taps; ++t) {
        const float *src = planes + layout.tapOffset[t] + q;
#pragma GCC unroll 8
        for (int j = 0; j < kBlock; ++j) {
          const VFloat v = load(src + j * kVec);
          acc[j] = acc[j] < v ? v : acc[j];
        }
      }
      for (int j = 0; j < kBlock; ++j)
        store(maxima + q + j * kVec, acc[j]);
    }
    gatherRows(maxima, window, layout, yp + nc * g.OH * g.OW);
  };
  parallelRanges(g.N * g.C, [&](int64_t first, int64_t end) {
    thread_local std::vector<float> phases, maxima;
    phases.resize((size_t)layout.bufferSize);
    maxima.resize((size_t)layout.outputs);
    clearPhases(layout, lowest, phases.data());
    for (int64_t nc = first; nc < end; ++nc)
      channel(nc, phases.data(), maxima.data());
  });
  return y;
}

TensorData globalAveragePool(const TensorData &x) {
  if (x.rank() < 3)
    return kernels::globalAveragePool(x); // its error
  Shape outShape = {x.shape[0], x.shape[1]};
  outShape.resize(x.shape.size(), 1);
  TensorData y = TensorData::uninit(outShape);
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
