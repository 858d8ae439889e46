#include "kernels/fast/depthwise.h"

#include "kernels/fast/phase_planes.h"

#include <algorithm>
#include <vector>

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

// 3x3 layers with padding 1 and stride S (1 or 2), a plane at a time on its flat index
// q = oh * OW + ow: the plane (S = 1) or its four phase planes (S = 2: even/odd rows
// times even/odd columns, each OH x OW) are copied below a zero row, so every tap of
// every output is the same shift of q, and whole vectors run across row ends. The
// lanes that wrap around a row (a tap left of column 0 or right of column OW - 1) are
// zeroed by two column masks, multiplied into the sums of the taps of each side.
// No lane is wasted on a row's end, which is what makes small planes (14x14, 7x7)
// fast; the output is stored as it lies, without a gather.
class FlatPlanes3x3 {
public:
  explicit FlatPlanes3x3(const kernels::ConvGeometry &g)
      : g_(g), S_(g.strides[0]), plane_(g.OH * g.OW),
        vectors_((plane_ + kVec - 1) / kVec) {
    // Staged phase (a, b) at a * S + b: a lead of OW + 1 zeros (row -1 and the float
    // before it), its OH x OW values, then slack (phaseSize).
    lead_ = g.OW + 1;
    phaseSize_ = phaseSize(g);
    for (int dy = 0; dy < 3; ++dy)
      for (int dx = 0; dx < 3; ++dx) {
        int64_t phase = 0, ro = dy - 1, co = dx - 1; // S = 1: the plane itself
        if (S_ == 2) { // rows 2 oh + dy - 1: dy 1 the even phase's row oh, else the odd's
          phase = (dy == 1 ? 0 : 2) + (dx == 1 ? 0 : 1);
          ro = dy == 0 ? -1 : 0;
          co = dx == 0 ? -1 : 0;
        }
        offset_[dy * 3 + dx] = phase * phaseSize_ + lead_ + ro * g.OW + co;
      }
    // Column masks: the left taps (dx 0) wrap at column 0 in both strides; the right
    // ones (dx 2) at column OW - 1 only at stride 1 (at stride 2 they read the odd
    // column phase at column ow, zero past the input's last column).
    left_.resize((size_t)(vectors_ * kVec));
    right_.resize((size_t)(vectors_ * kVec));
    for (int64_t q = 0; q < vectors_ * kVec; ++q) {
      left_[q] = q % g.OW == 0 ? 0.0f : 1.0f;
      right_[q] = S_ == 1 && q % g.OW == g.OW - 1 ? 0.0f : 1.0f;
    }
  }
  // Planes whose staged copy fits in half an L1 data cache (32 KiB on the CPUs sepnn
  // targets) with the output being written: up to 56x56. Larger ones (MobileNet's
  // 112x112) measured 15-30% faster row by row, which makes no copy.
  static bool applies(const kernels::ConvGeometry &g) {
    return isRowsOf3x3(g) &&
           g.strides[0] * g.strides[0] * phaseSize(g) * (int64_t)sizeof(float) <= 16 * 1024;
  }
  int64_t bufferSize() const { return S_ * S_ * phaseSize_; }

  // Copies plane `in` [H, W] into its staged phases; every cell outside the input's
  // is left as it was: zero, from one clearing of the buffer per thread.
  void stage(const float *in, float *buffer) const {
    if (S_ == 1) {
      std::copy(in, in + plane_, buffer + lead_);
      return;
    }
    // Each input row's even and odd columns, split by shuffles of two loads, stored as
    // whole vectors: the lanes past a row's end are zeros (loadUpTo's), which land on
    // the phase's next row (written after, or padding) or in its slack.
    for (int64_t ih = 0; ih < g_.H; ++ih) {
      const float *row = in + ih * g_.W;
      float *even = buffer + ih % 2 * 2 * phaseSize_ + lead_ + ih / 2 * g_.OW;
      float *odd = even + phaseSize_;
      for (int64_t j = 0; j < g_.OW; j += kVec) {
        const VFloat a = loadUpTo(row + 2 * j, g_.W - 2 * j),
                     b = loadUpTo(row + 2 * j + kVec, g_.W - 2 * j - kVec);
        store(even + j, evenLanes(a, b));
        store(odd + j, oddLanes(a, b));
      }
    }
  }
  // Output plane `out` from a staged buffer; `room` as forEachFlatPlane's. One load
  // per tap row and vector (two at stride 2: the even and the odd columns); the
  // taps beside it are shuffled out of it and its neighbour vector, which was or will
  // be loaded anyway: unaligned loads cost twice (most cross a cache line), and nine
  // per vector made the loop wait on loads. The lanes these shuffles bring in from
  // before the plane (zeros here) are the left taps of column 0, masked anyway.
  void compute(const float *buffer, const float *k, VFloat bias, const Clamp &clamp,
               float *out, int64_t room) const {
    VFloat kv[9];
    for (int t = 0; t < 9; ++t)
      kv[t] = splat(k[t]);
    if (S_ == 1) {
      // Row dy's centre taps at offset_[3 dy + 1]: this vector's and the next's.
      VFloat before[3] = {}, centre[3];
      for (int dy = 0; dy < 3; ++dy)
        centre[dy] = load(buffer + offset_[3 * dy + 1]);
      for (int64_t q = 0; q < vectors_ * kVec; q += kVec) {
        VFloat l = VFloat{}, c = bias, r = VFloat{};
#pragma GCC unroll 3
        for (int dy = 0; dy < 3; ++dy) {
          const VFloat after = load(buffer + q + kVec + offset_[3 * dy + 1]);
          l += kv[3 * dy] * previousColumn(before[dy], centre[dy]);
          c += kv[3 * dy + 1] * centre[dy];
          r += kv[3 * dy + 2] * nextColumn(centre[dy], after);
          before[dy] = centre[dy];
          centre[dy] = after;
        }
        storeFlat(out, q, clamp(c + l * load(&left_[q]) + r * load(&right_[q])), plane_, room);
      }
      return;
    }
    // Stride 2: row dy's even columns (the centre taps) at offset_[3 dy + 1], its odd
    // ones (the right taps) at offset_[3 dy + 2]; the left taps are the odd columns
    // one lane back.
    VFloat odd[3] = {};
    for (int64_t q = 0; q < vectors_ * kVec; q += kVec) {
      VFloat l = VFloat{}, c = bias, r = VFloat{};
#pragma GCC unroll 3
      for (int dy = 0; dy < 3; ++dy) {
        const VFloat even = load(buffer + q + offset_[3 * dy + 1]),
                     right = load(buffer + q + offset_[3 * dy + 2]);
        l += kv[3 * dy] * previousColumn(odd[dy], right);
        c += kv[3 * dy + 1] * even;
        r += kv[3 * dy + 2] * right;
        odd[dy] = right;
      }
      storeFlat(out, q, clamp(c + l * load(&left_[q]) + r), plane_, room);
    }
  }

private:
  // Lead, outputs, then slack for what the last vector's taps read (a row and a
  // float further) and for the lanes a stride-2 row's last store spills (up to kVec
  // past the plane: they must not reach the next phase's lead or first row).
  static int64_t phaseSize(const kernels::ConvGeometry &g) {
    const int64_t vectors = (g.OH * g.OW + kVec - 1) / kVec;
    return (g.OW + 1) + vectors * kVec + (g.OW + 1) + kVec;
  }

  const kernels::ConvGeometry &g_;
  int64_t S_, plane_, vectors_, lead_, phaseSize_;
  int64_t offset_[9];
  std::vector<float> left_, right_;
};

} // namespace

void depthwise(const float *x, const float *w, const float *bias,
               const kernels::ConvGeometry &g, const Clamp &clamp, float *y) {
  const Window window = Window::of(g);
  auto biasOf = [&](int64_t plane) { return splat(bias ? bias[plane % g.C] : 0.0f); };
  if (FlatPlanes3x3::applies(g)) {
    const FlatPlanes3x3 flat(g);
    forEachFlatPlane(g.N * g.C, g.OH * g.OW, flat.bufferSize(),
                     [&](int64_t p, float *buffer, int64_t room) {
                       flat.stage(x + p * g.H * g.W, buffer);
                       flat.compute(buffer, w + p % g.C * 9, biasOf(p), clamp,
                                    y + p * g.OH * g.OW, room);
                     });
    return;
  }
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
