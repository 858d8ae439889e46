#include "kernels/fast/direct_conv.h"
#include "kernels/fast/parallel.h"
#include "kernels/fast/phase_planes.h"
#include "kernels/fast/simd.h"
#include "kernels/fast/sgemm_narrow.h"

#include <algorithm>
#include <vector>

namespace sepnn {
namespace rt {
namespace fast {
namespace {

using kernels::ConvGeometry;

// Rows (output channels) per register tile: up to kRows, kVectors[rows] vectors of
// outputs each, so that rows x vectors accumulators fit the register file with room
// for the loaded vectors (24 of 32 with AVX-512; fewer registers elsewhere spill a
// little, still correct).
constexpr int kRows = 8;
// How far ahead (floats) a tile prefetches each of its taps' rows. A tile reads one
// row per input channel (a 1x1's input in place: 64 to 512 rows a plane apart), more
// streams than the hardware prefetchers follow; in a network, where the input is not
// in L2, SqueezeNet's 64 -> 16 squeeze took 0.10-0.13 ms without, 0.08-0.09 with.
constexpr int64_t kPrefetchFloats = 512;
// The L2 cache a thread may fill (1 MiB per core on the CPUs sepnn was measured on).
constexpr int64_t kL2Bytes = 1 << 20;
constexpr int kMaxVectors[kRows + 1] = {0, 6, 6, 6, 6, 4, 4, 3, 3};

// Vectors of outputs per tile for `rows` rows over `outputs` outputs: the fewest
// vector columns computed in all (small planes: a wide tile would mostly compute
// padding), then the widest tile.
int vectorsFor(int64_t rows, int64_t outputs) {
  int best = 2;
  int64_t bestCost = -1;
  for (int v : {2, 3, 4, 6}) {
    if (v > kMaxVectors[rows])
      continue;
    const int64_t cost = (outputs + v * kVec - 1) / (v * kVec) * v;
    if (bestCost < 0 || cost <= bestCost) {
      best = v;
      bestCost = cost;
    }
  }
  return best;
}

// Output channels [m0, m0 + R) (planes `out`, `plane` floats apart) at the V vectors
// of outputs from vector `index`: bias + sum over k of a[k * lda + i] *
// src[offset[k] + ...] (src: the taps of the block's first output), clamped, stored
// through `runs` (the padding columns dropped). With `prefetch`, the taps' values that
// far ahead are prefetched.
template <int R, int V>
void tile(int64_t K, const float *a, int64_t lda, const float *planes,
          const int64_t *offset, int64_t index, const float *bias, const Clamp &clamp,
          float *out, int64_t plane, const OutputRuns &runs, int64_t prefetch) {
  VFloat acc[R][V]; // from the bias
#pragma GCC unroll 8
  for (int i = 0; i < R; ++i) {
    const VFloat bi = splat(bias ? bias[i] : 0.0f);
#pragma GCC unroll 6
    for (int j = 0; j < V; ++j)
      acc[i][j] = bi;
  }
  // The tile's output lines, before its products: stems write planes too large to
  // stay cached (SqueezeNet's 3 MiB), and the stores' misses otherwise stall the tile
  // after its products (SqueezeNet's stem in the network 0.81 -> 0.73 ms, MobileNet's
  // -8%).
#pragma GCC unroll 6
  for (int j = 0; j < V; ++j) {
    const int64_t at = runs.firstOffset(index + j);
    if (at >= 0)
#pragma GCC unroll 8
      for (int i = 0; i < R; ++i)
        __builtin_prefetch(out + i * plane + at, 1);
  }
  for (int64_t k = 0; k < K; ++k) {
    const float *src = planes + offset[k];
    if (prefetch)
#pragma GCC unroll 6
      for (int j = 0; j < V; ++j)
        __builtin_prefetch(src + prefetch + j * kVec);
    VFloat b[V];
#pragma GCC unroll 6
    for (int j = 0; j < V; ++j)
      b[j] = load(src + j * kVec);
    const float *ak = a + k * lda;
#pragma GCC unroll 8
    for (int i = 0; i < R; ++i) {
      const VFloat ai = splat(ak[i]);
#pragma GCC unroll 6
      for (int j = 0; j < V; ++j)
        acc[i][j] += ai * b[j];
    }
  }
  // Per vector of outputs, its runs looked up once for all R rows.
#pragma GCC unroll 6
  for (int j = 0; j < V; ++j) {
    const int64_t at = runs.wholeOffset(index + j);
    if (at >= 0) {
#pragma GCC unroll 8
      for (int i = 0; i < R; ++i)
        store(out + i * plane + at, clamp(acc[i][j]));
    } else {
#pragma GCC unroll 8
      for (int i = 0; i < R; ++i)
        runs.store(out + i * plane, index + j, clamp(acc[i][j]));
    }
  }
}

using TileFn = void (*)(int64_t, const float *, int64_t, const float *, const int64_t *,
                        int64_t, const float *, const Clamp &, float *, int64_t,
                        const OutputRuns &, int64_t);

template <int V> TileFn tileFor(int64_t rows) {
  switch (rows) {
  case 1: return tile<1, V>;
  case 2: return tile<2, V>;
  case 3: return tile<3, V>;
  case 4: return tile<4, V>;
  case 5: return tile<5, V>;
  case 6: return tile<6, V>;
  case 7: return tile<7, V>;
  default: return tile<8, V>;
  }
}
TileFn tileFor(int64_t rows, int vectors) {
  switch (vectors) {
  case 2: return tileFor<2>(rows);
  case 3: return tileFor<3>(rows);
  case 4: return tileFor<4>(rows);
  default: return tileFor<6>(rows);
  }
}

} // namespace

const std::vector<PackedA> &kMajorWeights(const TensorData &w, const ConvGeometry &g,
                                          PackCache &cache, std::vector<PackedA> &local) {
  const int64_t K = g.Cg * g.KH * g.KW;
  return cache.packedOnce({w.data(), g.M, K, g.group, kDirectForm}, w, local,
                          [&](std::vector<PackedA> &out) {
                            for (int64_t gi = 0; gi < g.group; ++gi) {
                              PackedA p;
                              p.M = g.Mg;
                              p.K = K;
                              p.data.resize((size_t)(g.Mg * K));
                              const float *src = w.data() + gi * g.Mg * K;
                              for (int64_t m = 0; m < g.Mg; ++m)
                                for (int64_t k = 0; k < K; ++k)
                                  p.data[k * g.Mg + m] = src[m * K + k];
                              out.push_back(std::move(p));
                            }
                          });
}

bool directConvApplies(const ConvGeometry &g) {
  // Strided windows pack slowly into the GEMM's panels; the phase planes read them
  // as shifted rows like any other (on narrow planes the narrow GEMM does better).
  const bool strided = (g.strides[0] > 1 || g.strides[1] > 1) && g.KH * g.KW > 1 &&
                       !(g.group == 1 && narrowPays(g.M, g.OH * g.OW));
  if (!(g.group > 1 || g.C <= 4 || g.M <= 32 || strided) || (g.Cg == 1 && g.Mg == 1) ||
      g.Mg > 512 || g.strides[1] > kMaxStride)
    return false;
  // A group's planes are one buffer per thread: at most 4 MiB of them (wide dense
  // layers with few outputs stay on the GEMM, which streams its input).
  return g.Cg * PhaseLayout(Window::of(g), 1).bufferSize <= (int64_t(1) << 20);
}

namespace {

// How directConv lays out a convolution: output channels per row tile, vectors of
// outputs per block, the phase planes, whether the input is read in place, and the
// order of the tiles.
struct DirectPlan {
  int64_t rowsPerTile;
  int vectors;
  PhaseLayout layout;
  bool inPlace, rowTilesOuter;

  explicit DirectPlan(const ConvGeometry &g)
      : rowsPerTile(std::min<int64_t>(kRows, g.Mg)),
        vectors(vectorsFor(rowsPerTile, PhaseLayout(Window::of(g), 1).outputs)),
        layout(Window::of(g), vectors * kVec),
        // A 1x1 convolution with stride 1 and no padding reads its input in place:
        // the phase planes would be a copy of it.
        inPlace(isPointwise(g) && g.strides[0] == 1 && g.strides[1] == 1),
        // With the group's phase planes small enough to stay in L2, a row tile runs
        // over all blocks before the next: the output is then written in a few
        // sequential streams (its rows' planes), which the hardware prefetchers
        // follow, not in a block of every output plane at a time, each line a miss of
        // its own (the stems' outputs are 1.6-3 MiB: SqueezeNet's 0.71 -> 0.60 ms with
        // cold caches, MobileNet's 0.38 -> 0.32, ResNeXt's 2.53 -> 2.45). Read in
        // place, the input is too large: every row tile would read it from memory
        // again.
        rowTilesOuter(!inPlace && g.Mg > rowsPerTile &&
                      g.Cg * layout.bufferSize * (int64_t)sizeof(float) <= kL2Bytes) {}
};

} // namespace

bool directConvRowTiles(const ConvGeometry &g) { return DirectPlan(g).rowTilesOuter; }

void directConv(const TensorData &x, const TensorData &w, const float *bias,
                const ConvGeometry &g, PackCache &cache, const Clamp &clamp, float *y,
                const RowTileSink *sink) {
  std::vector<PackedA> local;
  const std::vector<PackedA> &packs = kMajorWeights(w, g, cache, local);
  const Window window = Window::of(g);
  const DirectPlan plan(g);
  if (sink && !plan.rowTilesOuter)
    fail("directConv: a row tile sink needs the row tiles outer");
  const int64_t rowsPerTile = plan.rowsPerTile;
  const int vectors = plan.vectors;
  const PhaseLayout &layout = plan.layout;
  const bool inPlace = plan.inPlace, rowTilesOuter = plan.rowTilesOuter;
  const int64_t taps = g.KH * g.KW, K = g.Cg * taps;
  // Tap k = (c, t) of output q reads channel c's planes (`stride` floats apart) at
  // tapOffset[t] + q.
  auto offsetsFor = [&](int64_t stride) {
    std::vector<int64_t> offsets((size_t)K);
    for (int64_t c = 0; c < g.Cg; ++c)
      for (int64_t t = 0; t < taps; ++t)
        offsets[c * taps + t] = c * stride + layout.tapOffset[t];
    return offsets;
  };
  const std::vector<int64_t> offset = offsetsFor(layout.bufferSize);
  const TileFn fullTile = tileFor(rowsPerTile, vectors);
  const TileFn lastTile = tileFor(g.Mg % rowsPerTile, vectors);
  const int64_t blockWidth = vectors * kVec, blocks = layout.outputs / blockWidth;
  const OutputRuns runs(window, layout);
  const int64_t plane = g.OH * g.OW, inPlane = g.H * g.W;
  // Output channels [mBegin, mEnd) of group job % group of image job / group, blocks
  // [b0, b1) of outputs: block b's taps at planes + (b - b0) * blockWidth + offsets[k].
  auto compute = [&](int64_t job, const float *planes, const int64_t *offsets, int64_t b0,
                     int64_t b1, int64_t mBegin, int64_t mEnd) {
    const int64_t n = job / g.group, gi = job % g.group;
    const float *a = packs[gi].data.data();
    const float *groupBias = bias ? bias + gi * g.Mg : nullptr;
    auto run = [&](int64_t b, int64_t m0, float *out, int64_t prefetch) {
      const TileFn fn = m0 + rowsPerTile <= g.Mg ? fullTile : lastTile;
      fn(K, a + m0, g.Mg, planes + (b - b0) * blockWidth, offsets, b * vectors,
         groupBias ? groupBias + m0 : nullptr, clamp, out, plane, runs, prefetch);
    };
    float *out = sink ? nullptr : y + (n * g.M + gi * g.Mg) * plane;
    if (rowTilesOuter) {
      thread_local std::vector<float> tile; // a row tile's planes, for the sink
      if (sink)
        tile.resize((size_t)(rowsPerTile * plane));
      for (int64_t m0 = mBegin; m0 < mEnd; m0 += rowsPerTile) {
        for (int64_t b = b0; b < b1; ++b)
          run(b, m0, sink ? tile.data() : out + m0 * plane, 0);
        if (sink)
          (*sink)(n, gi * g.Mg + m0, std::min(rowsPerTile, g.Mg - m0), tile.data());
      }
      return;
    }
    // Every row tile of one block of outputs in turn: the block's taps stay in cache.
    for (int64_t b = b0; b < b1; ++b)
      for (int64_t m0 = mBegin; m0 < mEnd; m0 += rowsPerTile)
        run(b, m0, out + m0 * plane, m0 == mBegin ? kPrefetchFloats : 0); // once per block
  };
  auto groupInput = [&](int64_t job) {
    return x.data() + (job / g.group * g.C + job % g.group * g.Cg) * inPlane;
  };
  // Read in place, only the last, partial block of outputs (whose vectors would read
  // past the input) goes through a small zero-padded copy. (A 1x1's one tap is at
  // offset 0: channel c at c * its plane's stride.)
  const std::vector<int64_t> inPlaceOffset = offsetsFor(inPlane),
                             tailOffset = offsetsFor(blockWidth);
  const int64_t fullBlocks = inPlace ? inPlane / blockWidth : blocks;
  auto inPlaceTail = [&](int64_t job) {
    const int64_t from = fullBlocks * blockWidth, count = inPlane - from;
    if (count == 0)
      return;
    std::vector<float> tail((size_t)(g.Cg * blockWidth), 0.0f);
    for (int64_t c = 0; c < g.Cg; ++c)
      std::copy_n(groupInput(job) + c * inPlane + from, count, tail.data() + c * blockWidth);
    compute(job, tail.data(), tailOffset.data(), fullBlocks, fullBlocks + 1, 0, g.Mg);
  };
  // Otherwise: input channel c of a job copied into its phase planes (padding zero).
  auto fill = [&](int64_t job, int64_t c, float *phases) {
    copyPhases(groupInput(job) + c * inPlane, window, layout, phases + c * layout.bufferSize);
  };
  const int64_t jobs = g.N * g.group;
  if (jobs < 2 * threadCount() && threadCount() > 1) {
    // Too few groups to share out (a dense convolution of one image): each group's
    // steps run one after the other, each step shared among the threads.
    std::vector<float> phases(inPlace ? 0 : (size_t)(g.Cg * layout.bufferSize), 0.0f);
    for (int64_t job = 0; job < jobs; ++job) {
      const float *planes = inPlace ? groupInput(job) : phases.data();
      const int64_t *offsets = inPlace ? inPlaceOffset.data() : offset.data();
      if (!inPlace)
        parallelFor(g.Cg, [&](int64_t c) { fill(job, c, phases.data()); });
      if (sink) // the threads take whole row tiles
        parallelFor((g.Mg + rowsPerTile - 1) / rowsPerTile, [&](int64_t t) {
          compute(job, planes, offsets, 0, fullBlocks, t * rowsPerTile, (t + 1) * rowsPerTile);
        });
      else
        parallelRanges(fullBlocks, [&](int64_t b0, int64_t b1) {
          compute(job, planes + b0 * blockWidth, offsets, b0, b1, 0, g.Mg);
        });
      if (inPlace)
        inPlaceTail(job);
    }
    return;
  }
  parallelRanges(jobs, [&](int64_t first, int64_t end) {
    thread_local std::vector<float> phases;
    if (!inPlace) {
      phases.resize((size_t)(g.Cg * layout.bufferSize));
      for (int64_t c = 0; c < g.Cg; ++c)
        clearPhases(layout, 0.0f, phases.data() + c * layout.bufferSize);
    }
    for (int64_t job = first; job < end; ++job) {
      if (inPlace) {
        compute(job, groupInput(job), inPlaceOffset.data(), 0, fullBlocks, 0, g.Mg);
        inPlaceTail(job);
        continue;
      }
      for (int64_t c = 0; c < g.Cg; ++c)
        fill(job, c, phases.data());
      compute(job, phases.data(), offset.data(), 0, blocks, 0, g.Mg);
    }
  });
}

} // namespace fast
} // namespace rt
} // namespace sepnn
