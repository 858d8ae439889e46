#include "kernels/fast/phase_planes.h"
#include "kernels/fast/simd.h"

#include <algorithm>

namespace sepnn {
namespace rt {
namespace fast {

PhaseLayout::PhaseLayout(const Window &w, int64_t multiple) {
  sh = w.sh;
  sw = w.sw;
  // Padded rows and columns the outputs reach, then per phase.
  const int64_t hNeed = (w.OH - 1) * sh + (w.KH - 1) * w.dh + 1;
  const int64_t wNeed = (w.OW - 1) * sw + (w.KW - 1) * w.dw + 1;
  rows = (hNeed + sh - 1) / sh;
  rowPitch = (wNeed + sw - 1) / sw;
  planeSize = rows * rowPitch;
  outputs = (w.OH * rowPitch + multiple - 1) / multiple * multiple;
  int64_t furthest = 0;
  for (int64_t kh = 0; kh < w.KH; ++kh)
    for (int64_t kw = 0; kw < w.KW; ++kw) {
      const int64_t rp = kh * w.dh % sh, cp = kw * w.dw % sw;
      tapOffset.push_back((rp * sw + cp) * planeSize + kh * w.dh / sh * rowPitch +
                          kw * w.dw / sw);
      furthest = std::max(furthest, tapOffset.back());
    }
  // The last outputs' lanes past the real ones read (never used) values up to here.
  bufferSize = std::max(sh * sw * planeSize, furthest + outputs);
}

void clearPhases(const PhaseLayout &p, float fill, float *phases) {
  std::fill(phases, phases + p.bufferSize, fill);
}

// Padded column j * sw + cp goes to column j of column phase cp: one strided copy per
// input row and column phase.
void copyPhases(const float *in, const Window &w, const PhaseLayout &p, float *phases) {
  const int64_t top = w.padTop, left = w.padLeft;
  // Per column phase cp: the columns j whose input column j * sw + cp - left is in
  // [0, W), the same for every row (computed once: divisions are slow).
  int64_t j0[kMaxStride], j1[kMaxStride];
  for (int64_t cp = 0; cp < p.sw; ++cp) {
    j0[cp] = std::max<int64_t>(0, (left - cp + p.sw - 1) / p.sw);
    j1[cp] = std::min(p.rowPitch, (w.W + left - cp + p.sw - 1) / p.sw);
  }
  const int64_t firstRow = std::max<int64_t>(0, -top);
  const int64_t lastRow = std::min(w.H, p.rows * p.sh - top);
  int64_t rowPhase = (firstRow + top) % p.sh, phaseRow = (firstRow + top) / p.sh;
  for (int64_t ih = firstRow; ih < lastRow; ++ih) {
    float *planeRow = phases + rowPhase * p.sw * p.planeSize + phaseRow * p.rowPitch;
    if (++rowPhase == p.sh) { // the next padded row
      rowPhase = 0;
      ++phaseRow;
    }
    const float *src = in + ih * w.W;
    for (int64_t cp = 0; cp < p.sw; ++cp)
      if (j1[cp] > j0[cp])
        copyStrided(src + j0[cp] * p.sw + cp - left, p.sw, j1[cp] - j0[cp],
                    planeRow + cp * p.planeSize + j0[cp]);
  }
}

void gatherRows(const float *sums, const Window &w, const PhaseLayout &p, float *out) {
  for (int64_t oh = 0; oh < w.OH; ++oh)
    copyStrided(sums + oh * p.rowPitch, 1, w.OW, out + oh * w.OW);
}

OutputRuns::OutputRuns(const Window &w, const PhaseLayout &p) {
  const int64_t vectors = (p.outputs + kVec - 1) / kVec;
  begin_.reserve((size_t)vectors + 1);
  for (int64_t v = 0; v < vectors; ++v) {
    begin_.push_back((int32_t)runs_.size());
    for (int32_t lane = 0; lane < kVec;) {
      const int64_t q = v * kVec + lane, oh = q / p.rowPitch, ow = q % p.rowPitch;
      if (oh >= w.OH)
        break;
      if (ow >= w.OW) { // padding columns: skip to the next row
        lane += (int32_t)std::min<int64_t>(kVec - lane, p.rowPitch - ow);
        continue;
      }
      const int32_t count = (int32_t)std::min<int64_t>(kVec - lane, w.OW - ow);
      runs_.push_back({oh * w.OW + ow, lane, count});
      lane += count;
    }
  }
  begin_.push_back((int32_t)runs_.size());
}

} // namespace fast
} // namespace rt
} // namespace sepnn
