#include "kernels/fast/lanes_conv.h"
#include "kernels/fast/direct_conv.h"
#include "kernels/fast/parallel.h"
#include "kernels/fast/simd.h"

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

namespace sepnn {
namespace rt {
namespace fast {
namespace {

using kernels::ConvGeometry;

// Accumulators a tile may keep in registers, with room for the weights and the
// broadcast input: 32 vector registers with AVX-512 and NEON, 16 elsewhere.
#if defined(__AVX512F__) || defined(__aarch64__)
constexpr int kAccumulators = 28;
#else
constexpr int kAccumulators = 12;
#endif
// Outputs per tile along a row, at most.
constexpr int kMaxOutputs = 14;

// Outputs [0, P) of R output rows (the first one's input at `x`, the next output's
// S floats on, the next row's `rowStep`), each the group's V vectors of output
// channels: bias + the sum over k of w[k * V * kVec ...] * x[offset[k] + ...], stored
// (unclamped) to lanes[(r * lanesRow + j * V) * kVec ...]. Two rows per tile halve the
// loads of the weights (ResNeXt's 7x7 groups: 36 KiB of them, more than L1 holds
// with the input, read once per tile).
template <int V, int S, int R, int P>
void rowTile(int64_t K, const float *w, const float *x, int64_t rowStep,
             const int64_t *offset, const float *bias, float *lanes, int64_t lanesRow) {
  VFloat acc[R][P][V];
#pragma GCC unroll 4
  for (int v = 0; v < V; ++v) {
    const VFloat b = bias ? load(bias + v * kVec) : VFloat{};
#pragma GCC unroll 2
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 14
      for (int j = 0; j < P; ++j)
        acc[r][j][v] = b;
  }
  for (int64_t k = 0; k < K; ++k) {
    const float *src = x + offset[k];
    VFloat wk[V];
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v)
      wk[v] = load(w + (k * V + v) * kVec);
#pragma GCC unroll 2
    for (int r = 0; r < R; ++r) {
      const float *row = src + r * rowStep; // (one base register per row)
#pragma GCC unroll 14
      for (int j = 0; j < P; ++j) {
        const VFloat xj = splat(row[j * S]);
#pragma GCC unroll 4
        for (int v = 0; v < V; ++v)
          acc[r][j][v] += wk[v] * xj;
      }
    }
  }
#pragma GCC unroll 2
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 14
    for (int j = 0; j < P; ++j)
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v)
        store(lanes + (r * lanesRow + j * V + v) * kVec, acc[r][j][v]);
}

using RowTileFn = void (*)(int64_t, const float *, const float *, int64_t, const int64_t *,
                           const float *, float *, int64_t);

// Outputs per row of a tile of R rows and V vectors of output channels, at most.
constexpr int maxOutputs(int vectors, int rows) {
  return std::min(kMaxOutputs, kAccumulators / (vectors * rows));
}

template <int V, int S, int R, int... P>
constexpr std::array<RowTileFn, sizeof...(P)> rowTiles(std::integer_sequence<int, P...>) {
  return {rowTile<V, S, R, P + 1>...};
}
template <int V, int S, int R> RowTileFn rowTileFor(int outputs) {
  static constexpr auto table =
      rowTiles<V, S, R>(std::make_integer_sequence<int, maxOutputs(V, R)>{});
  return table[outputs - 1];
}
template <int V, int S> RowTileFn rowTileFor(int rows, int outputs) {
  return rows == 2 ? rowTileFor<V, S, 2>(outputs) : rowTileFor<V, S, 1>(outputs);
}
RowTileFn rowTileFor(int vectors, int64_t stride, int rows, int outputs) {
  switch (vectors * 10 + (int)stride) {
  case 11: return rowTileFor<1, 1>(rows, outputs);
  case 12: return rowTileFor<1, 2>(rows, outputs);
  case 21: return rowTileFor<2, 1>(rows, outputs);
  case 22: return rowTileFor<2, 2>(rows, outputs);
  case 41: return rowTileFor<4, 1>(rows, outputs);
  default: return rowTileFor<4, 2>(rows, outputs);
  }
}

// The group's input with its padding: Cg planes of rows x cols, the rows and columns
// the outputs read (zeros outside the input).
struct PaddedInput {
  int64_t rows, cols, plane;
  explicit PaddedInput(const ConvGeometry &g)
      : rows((g.OH - 1) * g.strides[0] + (g.KH - 1) * g.dil[0] + 1),
        cols((g.OW - 1) * g.strides[1] + (g.KW - 1) * g.dil[1] + 1), plane(rows * cols) {}

  // Channel c's plane [H, W] into its padded plane (whose padding is zero already).
  void copy(const float *in, const ConvGeometry &g, float *out) const {
    const int64_t c0 = std::max<int64_t>(0, -g.pads[1]),
                  c1 = std::min(g.W, cols - g.pads[1]); // input columns kept
    for (int64_t ih = std::max<int64_t>(0, -g.pads[0]); ih < g.H && ih + g.pads[0] < rows;
         ++ih)
      if (c1 > c0)
        std::copy(in + ih * g.W + c0, in + ih * g.W + c1,
                  out + (ih + g.pads[0]) * cols + c0 + g.pads[1]);
  }
};

// A run of floats prefetched a share at a time.
struct Lines {
  const float *begin;
  int64_t lines, done = 0;
  Lines(const float *p, int64_t floats)
      : begin(p), lines(p ? (floats + kCacheLineFloats - 1) / kCacheLineFloats : 0) {}
  // Up to share `i` of `shares`.
  void prefetchShare(int64_t i, int64_t shares) {
    for (const int64_t to = lines * i / shares; done < to; ++done)
      __builtin_prefetch(begin + done * kCacheLineFloats);
  }
};

// The group's outputs `lanes` [plane, Mg] into its Mg planes `out` [Mg, plane],
// clamped: kVec x kVec blocks transposed in registers, the plane's last outputs one
// by one.
void toPlanes(const float *lanes, int64_t plane, int64_t Mg, const Clamp &clamp, float *out) {
  const int64_t whole = plane / kVec * kVec;
  for (int64_t m0 = 0; m0 < Mg; m0 += kVec)
    for (int64_t q0 = 0; q0 < whole; q0 += kVec) {
      VFloat block[kVec];
      for (int i = 0; i < kVec; ++i)
        block[i] = load(lanes + (q0 + i) * Mg + m0);
      transpose(block);
      for (int i = 0; i < kVec; ++i)
        store(out + (m0 + i) * plane + q0, clamp(block[i]));
    }
  for (int64_t m = 0; m < Mg; ++m)
    for (int64_t q = whole; q < plane; ++q)
      out[m * plane + q] = clamp(lanes[q * Mg + m]);
}

} // namespace

bool lanesConvApplies(const ConvGeometry &g) {
  const int64_t vectors = g.Mg / kVec;
  // (A tile must hold at least 4 outputs of a row, or the whole row: with fewer, each
  // step of K would wait on its few multiply-adds' latency. Four vectors leave room
  // for 3 with 16 registers.)
  return g.group > 1 && g.Mg % kVec == 0 && (vectors == 1 || vectors == 2 || vectors == 4) &&
         (g.strides[1] == 1 || g.strides[1] == 2) && g.OW < 2 * kVec &&
         maxOutputs((int)vectors, 1) >= std::min<int64_t>(g.OW, 4);
}

void lanesConv(const TensorData &x, const TensorData &w, const float *bias,
               const ConvGeometry &g, PackCache &cache, const Clamp &clamp, float *y) {
  std::vector<PackedA> local;
  const std::vector<PackedA> &packs = kMajorWeights(w, g, cache, local);
  const int vectors = (int)(g.Mg / kVec);
  const PaddedInput padded(g);
  const int64_t taps = g.KH * g.KW, K = g.Cg * taps, plane = g.OH * g.OW;
  // Step k = (c, kh, kw) reads channel c's padded plane at offset[k] from the output's
  // window corner.
  std::vector<int64_t> offset((size_t)K);
  for (int64_t c = 0; c < g.Cg; ++c)
    for (int64_t t = 0; t < taps; ++t)
      offset[c * taps + t] = c * padded.plane + t / g.KW * g.dil[0] * padded.cols +
                             t % g.KW * g.dil[1];
  // Two rows per tile when a tile of two rows still holds 7 outputs of each (or the
  // whole row); each output row in tiles of equal width: tile t is outputs
  // [start(t), start(t + 1)), of `narrow` or narrow + 1 outputs.
  const int rowsPerTile = maxOutputs(vectors, 2) >= std::min<int64_t>(g.OW, 7) ? 2 : 1;
  const int64_t tilesPerRow = (g.OW + maxOutputs(vectors, rowsPerTile) - 1) /
                              maxOutputs(vectors, rowsPerTile);
  auto start = [&](int64_t t) { return g.OW * t / tilesPerRow; };
  const int narrow = (int)(g.OW / tilesPerRow);
  auto tileFn = [&](int rows, int outputs) {
    return rows > rowsPerTile || outputs > maxOutputs(vectors, rows)
               ? nullptr
               : rowTileFor(vectors, g.strides[1], rows, outputs);
  };
  const RowTileFn tiles[2][2] = {{tileFn(1, narrow), tileFn(1, narrow + 1)},
                                 {tileFn(2, narrow), tileFn(2, narrow + 1)}};
  const int64_t inPlane = g.H * g.W;
  parallelRanges(g.N * g.group, [&](int64_t first, int64_t end) {
    thread_local std::vector<float> input, lanes;
    input.assign((size_t)(g.Cg * padded.plane), 0.0f);
    lanes.resize((size_t)(plane * g.Mg));
    for (int64_t job = first; job < end; ++job) {
      const int64_t n = job / g.group, gi = job % g.group;
      const float *in = x.data() + (n * g.C + gi * g.Cg) * inPlane;
      for (int64_t c = 0; c < g.Cg; ++c)
        padded.copy(in + c * inPlane, g, input.data() + c * padded.plane);
      const float *weights = packs[gi].data.data();
      const float *groupBias = bias ? bias + gi * g.Mg : nullptr;
      // The next group's input and weights, in shares over this group's rows: in a
      // network neither is in the caches (ResNeXt's 7x7 layers read 1.2 MiB of
      // weights once per inference).
      const bool hasNext = job + 1 < g.N * g.group;
      Lines nextInput(hasNext ? in + g.Cg * inPlane : nullptr, g.Cg * inPlane),
          nextWeights(hasNext ? packs[(gi + 1) % g.group].data.data() : nullptr, K * g.Mg);
      for (int64_t oh = 0; oh < g.OH; oh += rowsPerTile) {
        const int rows = (int)std::min<int64_t>(rowsPerTile, g.OH - oh);
        nextInput.prefetchShare(oh + rows, g.OH);
        nextWeights.prefetchShare(oh + rows, g.OH);
        for (int64_t t = 0; t < tilesPerRow; ++t) {
          const int64_t ow = start(t);
          tiles[rows - 1][start(t + 1) - ow - narrow](
              K, weights, input.data() + oh * g.strides[0] * padded.cols + ow * g.strides[1],
              g.strides[0] * padded.cols, offset.data(), groupBias,
              lanes.data() + (oh * g.OW + ow) * g.Mg, g.OW * g.Mg / kVec);
        }
      }
      toPlanes(lanes.data(), plane, g.Mg, clamp, y + (n * g.M + gi * g.Mg) * plane);
    }
  });
}

} // namespace fast
} // namespace rt
} // namespace sepnn
