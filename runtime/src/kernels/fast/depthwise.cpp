#include "kernels/fast/depthwise.h"

#include "kernels/fast/parallel.h"
#include "kernels/fast/phase_planes.h"

#include <algorithm>
#include <vector>

namespace sepnn {
namespace rt {
namespace fast {

namespace {

// Outputs up to this many pixels go along channels (measured on MobileNet's planes:
// the transposes cost more than per-channel work saves on 14x14 outputs and up), and
// the padded input up to kChannelBlockPixels (the block stays in the L2 cache).
constexpr int64_t kChannelOutputPixels = 8 * 8;
constexpr int64_t kChannelBlockPixels = 32 * 32;

// Channels [c0, c0 + kVec) of image n along channels (see depthwise.h); `block`
// holds the padded [rows][columns][kVec] input, zero outside the interior,
// `sums` OH * OW vectors.
void channelBlock(const float *x, const float *w, const float *bias,
                  const kernels::ConvGeometry &g, const Clamp &clamp, int64_t n,
                  int64_t c0, int64_t rows, int64_t columns, float *block, float *sums,
                  float *y) {
  const int64_t top = g.pads[0], left = g.pads[1], taps = g.KH * g.KW;
  for (int64_t j = 0; j < kVec; ++j) {
    const float *plane = x + (n * g.C + c0 + j) * g.H * g.W;
    for (int64_t ih = 0; ih < g.H; ++ih) {
      float *dst = block + ((ih + top) * columns + left) * kVec + j;
      for (int64_t iw = 0; iw < g.W; ++iw)
        dst[iw * kVec] = plane[ih * g.W + iw];
    }
  }
  // Each tap's kVec weights and the biases as vectors.
  VFloat wt[64];
  for (int64_t t = 0; t < taps; ++t)
    for (int j = 0; j < kVec; ++j)
      wt[t][j] = w[(c0 + j) * taps + t];
  VFloat b;
  for (int j = 0; j < kVec; ++j)
    b[j] = bias ? bias[c0 + j] : 0.0f;
  const int64_t sh = g.strides[0], sw = g.strides[1], dh = g.dil[0], dw = g.dil[1];
  constexpr int kBlock = 4; // output pixels at a time: independent chains
  for (int64_t oh = 0; oh < g.OH; ++oh)
    for (int64_t ow = 0; ow < g.OW; ow += kBlock) {
      const int64_t count = std::min<int64_t>(kBlock, g.OW - ow);
      VFloat acc[kBlock];
#pragma GCC unroll 4
      for (int i = 0; i < kBlock; ++i)
        acc[i] = b;
      for (int64_t kh = 0; kh < g.KH; ++kh)
        for (int64_t kw = 0; kw < g.KW; ++kw) {
          const VFloat k = wt[kh * g.KW + kw];
          const float *src = block + ((oh * sh + kh * dh) * columns + ow * sw + kw * dw) * kVec;
#pragma GCC unroll 4
          for (int i = 0; i < kBlock; ++i)
            if (i < count)
              acc[i] += k * load(src + i * sw * kVec);
        }
#pragma GCC unroll 4
      for (int i = 0; i < kBlock; ++i)
        if (i < count)
          store(sums + (oh * g.OW + ow + i) * kVec, clamp(acc[i]));
    }
  const int64_t P = g.OH * g.OW;
  for (int64_t j = 0; j < kVec; ++j) {
    float *out = y + (n * g.C + c0 + j) * P;
    for (int64_t p = 0; p < P; ++p)
      out[p] = sums[p * kVec + j];
  }
}

// Depthwise along channels for channels [0, C - C % kVec) of every image; false (and
// nothing done) when the planes are too large or the kernel has too many taps.
bool alongChannels(const float *x, const float *w, const float *bias,
                   const kernels::ConvGeometry &g, const Clamp &clamp, float *y) {
  const int64_t rows = std::max((g.OH - 1) * g.strides[0] + (g.KH - 1) * g.dil[0] + 1,
                                g.pads[0] + g.H);
  const int64_t columns = std::max((g.OW - 1) * g.strides[1] + (g.KW - 1) * g.dil[1] + 1,
                                   g.pads[1] + g.W);
  const int64_t blocks = g.C / kVec;
  if (g.OH * g.OW > kChannelOutputPixels || rows * columns > kChannelBlockPixels ||
      g.KH * g.KW > 64 || blocks == 0)
    return false;
  parallelRanges(g.N * blocks, [&](int64_t first, int64_t end) {
    thread_local std::vector<float> block, sums;
    block.assign((size_t)(rows * columns * kVec), 0.0f); // the padding stays zero
    sums.resize((size_t)(g.OH * g.OW * kVec));
    for (int64_t job = first; job < end; ++job)
      channelBlock(x, w, bias, g, clamp, job / blocks, job % blocks * kVec, rows, columns,
                   block.data(), sums.data(), y);
  });
  return true;
}

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
// networks' depthwise layers, row by row (rowOf3x3). False (nothing done) otherwise.
bool rowsOf3x3(const float *x, const float *w, const float *bias,
               const kernels::ConvGeometry &g, const Clamp &clamp, float *y) {
  const int64_t s = g.strides[0];
  if (g.KH != 3 || g.KW != 3 || g.dil[0] != 1 || g.dil[1] != 1 || s != g.strides[1] ||
      (s != 1 && s != 2) || g.pads[0] != 1 || g.pads[1] != 1 || g.pads[2] != 1 ||
      g.pads[3] != 1)
    return false;
  parallelRanges(g.N * g.C, [&](int64_t first, int64_t end) {
    for (int64_t nc = first; nc < end; ++nc) {
      const int64_t c = nc % g.C;
      const float *plane = x + nc * g.H * g.W;
      const VFloat b = splat(bias ? bias[c] : 0.0f);
      for (int64_t oh = 0; oh < g.OH; ++oh) {
        const float *rows[3];
        for (int r = 0; r < 3; ++r) {
          const int64_t ih = oh * s - 1 + r;
          rows[r] = ih >= 0 && ih < g.H ? plane + ih * g.W : nullptr;
        }
        float *out = y + nc * g.OH * g.OW + oh * g.OW;
        if (s == 1)
          rowOf3x3<1>(rows, w + c * 9, b, clamp, g.W, g.OW, out);
        else
          rowOf3x3<2>(rows, w + c * 9, b, clamp, g.W, g.OW, out);
      }
    }
  });
  return true;
}

} // namespace

void depthwise(const float *x, const float *w, const float *bias,
               const kernels::ConvGeometry &g, const Clamp &clamp, float *y) {
  if (rowsOf3x3(x, w, bias, g, clamp, y))
    return;
  // Channels [done, C) of every image go along pixels.
  const int64_t done = alongChannels(x, w, bias, g, clamp, y) ? g.C - g.C % kVec : 0;
  if (done == g.C)
    return;
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
  const int64_t rest = g.C - done;
  parallelRanges(g.N * rest, [&](int64_t first, int64_t end) {
    thread_local std::vector<float> phases, sums;
    phases.resize((size_t)layout.bufferSize);
    sums.resize((size_t)layout.outputs);
    clearPhases(layout, 0.0f, phases.data());
    for (int64_t job = first; job < end; ++job)
      channel(job / rest * g.C + done + job % rest, phases.data(), sums.data());
  });
}

} // namespace fast
} // namespace rt
} // namespace sepnn
