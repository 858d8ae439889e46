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

// Padded column j * sw + cp goes to column j of column phase cp (a strided read, no
// division).
void clearPhases(const PhaseLayout &p, float fill, float *phases) {
  std::fill(phases, phases + p.bufferSize, fill);
}

void copyPhases(const float *in, const Window &w, const PhaseLayout &p, float *phases) {
  const int64_t top = w.padTop, left = w.padLeft;
  // Per column phase cp: the columns j whose input column j * sw + cp - left is in
  // [0, W), and how many of them whole vectors cover (stride 2: while both loads stay
  // in the row). The same for every row: computed once (divisions are slow).
  int64_t j0[kMaxStride], j1[kMaxStride], jv[kMaxStride];
  for (int64_t cp = 0; cp < p.sw; ++cp) {
    j0[cp] = std::max<int64_t>(0, (left - cp + p.sw - 1) / p.sw);
    j1[cp] = std::min(p.rowPitch, (w.W + left - cp + p.sw - 1) / p.sw);
    jv[cp] = j0[cp];
    if (p.sw == 2)
      while (jv[cp] + kVec <= j1[cp] && 2 * jv[cp] + cp - left + 2 * kVec <= w.W)
        jv[cp] += kVec;
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
    for (int64_t cp = 0; cp < p.sw; ++cp) {
      float *dst = planeRow + cp * p.planeSize;
      const float *from = src + cp - left;
      if (p.sw == 1) {
        copyFloats(from + j0[cp], j1[cp] - j0[cp], dst + j0[cp]);
        continue;
      }
      int64_t j = j0[cp];
      for (; j < jv[cp]; j += kVec)
        store(dst + j, evenLanes(load(from + 2 * j), load(from + 2 * j + kVec)));
      if (p.sw == 2) // the rest, fewer than kVec: source [2j, 2 * j1 - 1), partial loads
        for (; j < j1[cp]; j += kVec) {
          const int64_t n = std::min<int64_t>(kVec, j1[cp] - j), span = 2 * n - 1;
          const VFloat lo = loadPartial(from + 2 * j, std::min<int64_t>(kVec, span));
          const VFloat hi = loadPartial(from + 2 * j + kVec, std::max<int64_t>(0, span - kVec));
          storePartial(dst + j, evenLanes(lo, hi), n);
        }
      for (; j < j1[cp]; ++j)
        dst[j] = from[j * p.sw];
    }
  }
}

void gatherRows(const float *sums, const Window &w, const PhaseLayout &p, float *out) {
  for (int64_t oh = 0; oh < w.OH; ++oh)
    copyFloats(sums + oh * p.rowPitch, w.OW, out + oh * w.OW);
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
