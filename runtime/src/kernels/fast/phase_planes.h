// Phase planes: a sliding window's input laid out so that every tap of every output is
// a constant shift of the output's flat index. Output (oh, ow) reads tap (kh, kw) at
// padded row oh * sh + kh * dh, column ow * sw + kw * dw. Splitting rows and columns
// by their remainder modulo the stride (the phases), that is row oh + kh * dh / sh of
// phase (kh * dh) % sh, column ow + kw * dw / sw of phase (kw * dw) % sw: in planes of
// rowPitch-wide rows, output q = oh * rowPitch + ow reads q + tapOffset[kh * KW + kw].
// The direct convolution, and depthwise convolutions and max pools other than the
// networks' 3x3 ones (which go row by row, forEachRowOf3), run on them: whole
// vectors, no bounds checks, narrow rows and edges included.
#ifndef SEPNN_RT_FAST_PHASE_PLANES_H
#define SEPNN_RT_FAST_PHASE_PLANES_H

#include "kernels/fast/parallel.h"
#include "kernels/fast/simd.h"
#include "kernels/kernels.h"

#include <cstdint>
#include <vector>

namespace sepnn {
namespace rt {
namespace fast {

// A 2-D window over one [H, W] plane: its size, stride, dilation and top/left padding,
// and the output extent.
struct Window {
  int64_t H, W, OH, OW, KH, KW, sh, sw, dh, dw, padTop, padLeft;
  template <class Geometry> static Window of(const Geometry &g) { // conv or pool
    return {g.H,          g.W,          g.OH,     g.OW,     g.KH,     g.KW,
            g.strides[0], g.strides[1], g.dil[0], g.dil[1], g.pads[0], g.pads[1]};
  }
};

// Strides beyond this run on the reference kernels (none of the zoo's exceed 4).
constexpr int64_t kMaxStride = 8;

struct PhaseLayout {
  int64_t sh, sw, rows, rowPitch, planeSize, outputs, bufferSize;
  std::vector<int64_t> tapOffset; // per (kh, kw)

  // `outputs` is rounded up to a multiple of `multiple` floats (whole vectors, or
  // whole register tiles); bufferSize covers what every tap of them reads.
  PhaseLayout(const Window &w, int64_t multiple);
};

// Sets all bufferSize floats at `phases` to `fill` (the padding's value).
void clearPhases(const PhaseLayout &p, float fill, float *phases);
// Copies plane `in` [H, W] into the phase planes at `phases`, cleared beforehand. Every
// plane of one layout writes the same cells: a buffer cleared once takes any number.
void copyPhases(const float *in, const Window &w, const PhaseLayout &p, float *phases);

// Copies the outputs' rows out of `sums` (rowPitch apart) into `out` [OH, OW].
void gatherRows(const float *sums, const Window &w, const PhaseLayout &p, float *out);

// For planes [0, count) of `in` (H * W floats apart): each one copied into phase
// planes padded with `fill`, compute(plane, phases, sums) writing layout.outputs sums,
// their rows gathered into `out` (OH * OW floats apart). Ranges of planes run in
// parallel, each thread's buffer cleared once per range.
template <class Compute>
void forEachPhasePlane(const Window &w, const PhaseLayout &layout, int64_t count,
                       const float *in, float fill, float *out, Compute compute) {
  parallelRanges(count, [&](int64_t first, int64_t end) {
    thread_local std::vector<float> phases, sums;
    phases.resize((size_t)layout.bufferSize);
    sums.resize((size_t)layout.outputs);
    clearPhases(layout, fill, phases.data());
    for (int64_t p = first; p < end; ++p) {
      copyPhases(in + p * w.H * w.W, w, layout, phases.data());
      compute(p, (const float *)phases.data(), sums.data());
      gatherRows(sums.data(), w, layout, out + p * w.OH * w.OW);
    }
  });
}

// Planes on their flat output index (the 3x3 depthwise kernel's small planes): for
// planes [0, count) of OH * OW outputs each, plane(p, buffer, room) with a per-thread
// buffer of bufferSize floats, zeroed once per range, and `room`, the floats from the
// plane's output that this thread writes (its later planes too): a plane's last vector
// may store whole while it fits (storeFlat), its spare lanes overwritten by the next
// plane's. Ranges of planes run in parallel.
template <class Plane>
void forEachFlatPlane(int64_t count, int64_t outputs, int64_t bufferSize, Plane plane) {
  parallelRanges(count, [&](int64_t first, int64_t end) {
    thread_local std::vector<float> buffer;
    buffer.assign((size_t)bufferSize, 0.0f);
    for (int64_t p = first; p < end; ++p)
      plane(p, buffer.data(), (end - p) * outputs);
  });
}
// Stores the outputs [q, q + kVec) of a flat plane of `outputs` floats: whole when
// `room` allows, else only the plane's.
inline void storeFlat(float *out, int64_t q, VFloat v, int64_t outputs, int64_t room) {
  if (q + kVec <= room)
    store(out + q, v);
  else
    storePartial(out + q, v, outputs - q);
}

// The other way, for 3-row windows (3x3 depthwise convolutions and max pools): for
// planes [0, count) of `in` and each output row oh, row(plane, rows, outRow) with
// rows[r] input row oh * sh - padTop + r (null outside the plane: padding), outRow
// the plane's row oh in `out`.
template <class Row>
void forEachRowOf3(const Window &w, int64_t count, const float *in, float *out, Row row) {
  parallelRanges(count, [&](int64_t first, int64_t end) {
    for (int64_t p = first; p < end; ++p) {
      const float *plane = in + p * w.H * w.W;
      for (int64_t oh = 0; oh < w.OH; ++oh) {
        const float *rows[3];
        for (int r = 0; r < 3; ++r) {
          const int64_t ih = oh * w.sh - w.padTop + r;
          rows[r] = ih >= 0 && ih < w.H ? plane + ih * w.W : nullptr;
        }
        row(p, rows, out + (p * w.OH + oh) * w.OW);
      }
    }
  });
}

// Where each vector of outputs (flat index q = oh * rowPitch + ow, kVec lanes from a
// multiple of kVec) goes in an [OH, OW] plane: runs of lanes that are real outputs
// (ow < OW, oh < OH) of one row. Kernels store their vectors straight into the
// output through them, instead of into a rowPitch-wide buffer copied out after.
class OutputRuns {
public:
  OutputRuns(const Window &w, const PhaseLayout &p);
  // Stores the real lanes of vector `index` (outputs [index * kVec, ...)) into `out`.
  void store(float *out, int64_t index, VFloat v) const {
    for (int32_t r = begin_[index]; r < begin_[index + 1]; ++r) {
      const Run &run = runs_[r];
      if (run.count == kVec)
        fast::store(out + run.offset, v);
      else
        storeLanes(out + run.offset - run.lane, v, run.lane, run.count);
    }
  }

  // Where vector `index` goes when all its lanes are real outputs of one row (an
  // offset in the plane; the kernels' common case, one whole store), else -1.
  int64_t wholeOffset(int64_t index) const {
    return begin_[index] + 1 == begin_[index + 1] && runs_[begin_[index]].count == kVec
               ? runs_[begin_[index]].offset
               : -1;
  }
  // Where vector `index`'s first real lane goes (an offset in the plane), or -1.
  int64_t firstOffset(int64_t index) const {
    return begin_[index] < begin_[index + 1] ? runs_[begin_[index]].offset : -1;
  }

private:
  struct Run {
    int64_t offset; // of the run's first lane in the plane
    int32_t lane, count;
  };
  std::vector<Run> runs_;
  std::vector<int32_t> begin_; // vector v's runs: [begin_[v], begin_[v + 1])
};

} // namespace fast
} // namespace rt
} // namespace sepnn

#endif
