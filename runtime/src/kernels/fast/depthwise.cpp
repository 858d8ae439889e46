#include "kernels/fast/depthwise.h"

#include "kernels/fast/parallel.h"

#include <algorithm>
#include <vector>

namespace sepnn {
namespace rt {
namespace fast {
namespace {

// Where output (oh, ow) of a channel reads tap (kh, kw): the padded input at row
// oh * sh + kh * dh, column ow * sw + kw * dw. Splitting rows and columns by their
// remainder modulo the stride (the phases), that is row oh + kh * dh / sh of phase
// (kh * dh) % sh, column ow + kw * dw / sw of phase (kw * dw) % sw: in a plane of
// rowPitch-wide rows, output flat index q = oh * rowPitch + ow reads q + tapOffset.
struct PhaseLayout {
  int64_t sh, sw, rows, rowPitch, planeSize, outputs, bufferSize;
  std::vector<int64_t> tapOffset; // per (kh, kw)

  explicit PhaseLayout(const kernels::ConvGeometry &g) {
    sh = g.strides[0];
    sw = g.strides[1];
    const int64_t dh = g.dil[0], dw = g.dil[1];
    // Padded rows and columns the outputs reach, then per phase.
    const int64_t hNeed = (g.OH - 1) * sh + (g.KH - 1) * dh + 1;
    const int64_t wNeed = (g.OW - 1) * sw + (g.KW - 1) * dw + 1;
    rows = (hNeed + sh - 1) / sh;
    rowPitch = (wNeed + sw - 1) / sw;
    planeSize = rows * rowPitch;
    outputs = (g.OH * rowPitch + kVec - 1) / kVec * kVec; // whole vectors
    int64_t furthest = 0;
    for (int64_t kh = 0; kh < g.KH; ++kh)
      for (int64_t kw = 0; kw < g.KW; ++kw) {
        const int64_t rp = kh * dh % sh, cp = kw * dw % sw;
        tapOffset.push_back((rp * sw + cp) * planeSize + kh * dh / sh * rowPitch +
                            kw * dw / sw);
        furthest = std::max(furthest, tapOffset.back());
      }
    // The last vector's lanes past the outputs read (never used) values up to here.
    bufferSize = std::max(sh * sw * planeSize, furthest + outputs);
  }
};

// Copies channel plane `in` [H, W] into the zero-padded phase planes: padded column
// j * sw + cp goes to column j of column phase cp (a strided read, no division).
void fillPhases(const float *in, const kernels::ConvGeometry &g, const PhaseLayout &p,
                float *phases) {
  std::fill(phases, phases + p.bufferSize, 0.0f);
  const int64_t top = g.pads[0], left = g.pads[1];
  const int64_t lastRow = std::min(g.H, p.rows * p.sh - top);
  for (int64_t ih = std::max<int64_t>(0, -top); ih < lastRow; ++ih) {
    const int64_t r = ih + top; // padded row
    float *planeRow = phases + (r % p.sh) * p.sw * p.planeSize + (r / p.sh) * p.rowPitch;
    const float *src = in + ih * g.W;
    for (int64_t cp = 0; cp < p.sw; ++cp) {
      // Columns j of this phase whose input column j * sw + cp - left is in [0, W).
      const int64_t j0 = std::max<int64_t>(0, (left - cp + p.sw - 1) / p.sw);
      const int64_t j1 = std::min(p.rowPitch, (g.W + left - cp + p.sw - 1) / p.sw);
      float *dst = planeRow + cp * p.planeSize;
      const float *from = src + cp - left;
      int64_t j = j0;
      if (p.sw == 1) {
        std::copy(from + j0, from + j1, dst + j0);
        j = j1;
      } else if (p.sw == 2) { // whole vectors while both loads stay in the row
        for (; j + kVec <= j1 && 2 * j + cp - left + 2 * kVec <= g.W; j += kVec)
          store(dst + j, evenLanes(load(from + 2 * j), load(from + 2 * j + kVec)));
      }
      for (; j < j1; ++j)
        dst[j] = from[j * p.sw];
    }
  }
}

} // namespace

void depthwise(const float *x, const float *w, const float *bias,
               const kernels::ConvGeometry &g, const Clamp &clamp, float *y) {
  const PhaseLayout layout(g);
  const int64_t taps = g.KH * g.KW;
  parallelFor(g.N * g.C, [&](int64_t nc) {
    thread_local std::vector<float> phases, sums;
    phases.resize((size_t)layout.bufferSize);
    sums.resize((size_t)layout.outputs);
    const int64_t c = nc % g.C;
    fillPhases(x + nc * g.H * g.W, g, layout, phases.data());
    const float *k = w + c * taps;
    const VFloat b = splat(bias ? bias[c] : 0.0f);
    for (int64_t q = 0; q < layout.outputs; q += kVec) {
      VFloat acc = b;
      for (int64_t t = 0; t < taps; ++t)
        acc += splat(k[t]) * load(phases.data() + layout.tapOffset[t] + q);
      store(sums.data() + q, clamp(acc));
    }
    float *out = y + nc * g.OH * g.OW;
    for (int64_t oh = 0; oh < g.OH; ++oh)
      std::copy_n(sums.data() + oh * layout.rowPitch, g.OW, out + oh * g.OW);
  });
}

} // namespace fast
} // namespace rt
} // namespace sepnn
