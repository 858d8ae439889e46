#include "kernels/fast/sgemm_narrow.h"
#include "kernels/fast/parallel.h"

#include <algorithm>

namespace sepnn {
namespace rt {
namespace fast {
namespace {

// Columns of B per tile, at most: 2 x kNarrowCols accumulators, the two vectors of A
// and a broadcast fill 31 of AVX-512's 32 registers (elsewhere the GEMM's kMR). Each
// tile ends in two 16 x 16 transposes, whatever its width: 14 columns instead of 12
// spread them over more products, and 196 columns (14x14 planes) are 14 whole tiles
// instead of 16 and one of 4: MobileNet's expands, warm, 1 thread, 64 -> 384 at
// 14x14 0.111 -> 0.107 ms, 96 -> 576 0.231 -> 0.225, 160 -> 960 at 7x7 0.157 -> 0.147
// (the kernel benchmark's lines give the "after" side).
#if defined(__AVX512F__)
constexpr int kNarrowCols = 14;
#else
constexpr int kNarrowCols = kMR;
#endif

// What a tile prefetches while it runs: the bytes [from, to) (a share of the next row
// panel of A, or the rest of its own), linesPerStep cache lines every `every` steps of
// K. The first column tile of a panel reads it from memory (a network's weights do
// not stay cached between inferences) faster than the hardware prefetchers follow;
// spread over the previous panel's tiles, the reads arrive before they are needed
// (MobileNet's 7x7 960 -> 320 with cold caches 0.345 -> 0.315 ms, 320 -> 1280 0.55 ->
// 0.49).
struct Prefetch {
  const char *from = nullptr, *to = nullptr;
  int64_t every = 1 << 30, linesPerStep = 0;
};

// Columns [n0, n0 + R) of rows [m0, m0 + rows) of C from the A panel `a` (K steps of
// kNR values) and B. The accumulators hold C transposed (one column of C, kNR rows,
// per pair of vectors): transposed back in registers (through a small buffer where a
// tile is wider than a vector, NEON's 8 columns).
// `wide`: C's rows have at least kVec columns from this tile's first (whole-vector
// stores and loads stay inside them).
template <int R>
void tile(int64_t K, const float *a, const float *b, int64_t ldb, float *c,
          const float *addend, int64_t ldc, int64_t rows, const float *bias,
          const Epilogue &ep, bool wide, const Prefetch &pf) {
  VFloat acc[R][2];
#pragma GCC unroll 16
  for (int i = 0; i < R; ++i)
    acc[i][0] = acc[i][1] = VFloat{};
  const char *next = pf.from;
  for (int64_t k0 = 0; k0 < K; k0 += pf.every) {
    for (int64_t l = 0; l < pf.linesPerStep && next < pf.to; ++l, next += 64)
      __builtin_prefetch(next);
    const int64_t k1 = std::min(K, k0 + pf.every);
    for (int64_t k = k0; k < k1; ++k, a += kNR, b += ldb) {
      const VFloat a0 = load(a), a1 = load(a + kVec);
#pragma GCC unroll 16
      for (int i = 0; i < R; ++i) {
        const VFloat bi = splat(b[i]);
        acc[i][0] += bi * a0;
        acc[i][1] += bi * a1;
      }
    }
  }
  if constexpr (R <= kVec) {
    // Transposed in registers, kVec rows of C at a time: row m's R columns are lanes
    // [0, R) of one vector. Whole vectors are stored while the row has room (the lanes
    // past R are the next tile's, which overwrites them; not when accumulating, where
    // it would read them), partial ones at its end.
    const bool whole = wide && !ep.accumulate;
    for (int h = 0; h < 2; ++h) {
      VFloat t[kVec];
#pragma GCC unroll 16
      for (int i = 0; i < kVec; ++i)
        t[i] = i < R ? acc[i][h] : VFloat{};
      transpose(t);
      for (int j = 0; j < kVec; ++j) {
        const int64_t m = h * kVec + j;
        if (m >= rows)
          return;
        float *row = c + m * ldc;
        VFloat v = t[j];
        if (bias)
          v += splat(bias[m]);
        if (addend)
          v += whole ? load(addend + m * ldc) : loadUpTo(addend + m * ldc, R);
        if (ep.accumulate)
          v += whole ? load(row) : loadUpTo(row, R);
        v = ep.clamp(v);
        if (whole)
          store(row, v);
        else
          storePartial(row, v, R);
      }
    }
    return;
  }
  alignas(64) float buf[R][kNR];
#pragma GCC unroll 16
  for (int i = 0; i < R; ++i) {
    store(buf[i], acc[i][0]);
    store(buf[i] + kVec, acc[i][1]);
  }
  for (int64_t m = 0; m < rows; ++m) {
    float *row = c + m * ldc;
    const float add = bias ? bias[m] : 0.0f;
    for (int i = 0; i < R; ++i) {
      float v = buf[i][m] + add;
      if (addend)
        v += addend[m * ldc + i];
      if (ep.accumulate)
        v += row[i];
      row[i] = ep.clamp(v);
    }
  }
}

using TileFn = void (*)(int64_t, const float *, const float *, int64_t, float *,
                        const float *, int64_t, int64_t, const float *, const Epilogue &,
                        bool, const Prefetch &);

TileFn tileFor(int64_t columns) {
  static const TileFn fns[] = {tile<1>,  tile<2>,  tile<3>,  tile<4>,  tile<5>,
                               tile<6>,  tile<7>,  tile<8>,  tile<9>,  tile<10>,
                               tile<11>, tile<12>, tile<13>, tile<14>};
  static_assert(sizeof(fns) / sizeof(fns[0]) >= kNarrowCols, "a tile for every width");
  return fns[columns - 1];
}

} // namespace

PackedA packANarrow(const float *a, int64_t M, int64_t K) {
  // A's transpose [K, M] in the layout sgemm's prepacked B uses.
  PackedA p;
  p.M = M;
  p.K = K;
  p.data.assign((size_t)prepackedSize(K, M), 0.0f);
  for (int64_t m = 0; m < M; ++m)
    for (int64_t k = 0; k < K; ++k)
      p.data[prepackedIndex(K, k, m)] = a[m * K + k];
  return p;
}

bool narrowPays(int64_t M, int64_t N) {
  // Lanes computed per useful output: padding of the last row panel here, of the
  // last column panel in sgemm. Above a few hundred columns sgemm's blocking wins.
  const double here = (double)((M + kNR - 1) / kNR * kNR) / (double)M;
  const double there = (double)((N + kNR - 1) / kNR * kNR) / (double)N;
  return N <= 512 && here + 0.05 < there;
}

// How far ahead of its loads a range's first tile prefetches its own panel.
constexpr int64_t kPrefetchAhead = 2048;

void sgemmNarrow(const PackedA &a, const float *b, int64_t ldb, int64_t N, float *c,
                 int64_t ldc, const Epilogue &ep) {
  const int64_t M = a.M, K = a.K;
  const int64_t panels = (M + kNR - 1) / kNR;
  // Contiguous ranges of row panels per thread: each panel's kNR x K sliver of A is
  // read once from memory, then from cache for every column tile. The reads from
  // memory are prefetched: a range's first panel by its first tile, a fixed distance
  // ahead of its loads; every next panel in shares by the tiles of the one before.
  // Column tiles of equal width (within one column): tile t is [start(t), start(t + 1)).
  const int64_t tiles = (N + kNarrowCols - 1) / kNarrowCols;
  auto start = [&](int64_t t) { return N * t / tiles; };
  const int64_t panelBytes = kNR * K * (int64_t)sizeof(float);
  auto shared = [&](const char *panel, int64_t tile, int64_t sharers) {
    const int64_t lines = panelBytes / 64, share = (lines + sharers - 1) / sharers;
    const int64_t steps = std::min<int64_t>(K, share); // prefetching steps of K
    Prefetch pf;
    pf.from = panel + std::min(panelBytes, tile * share * 64);
    pf.to = panel + std::min(panelBytes, (tile + 1) * share * 64);
    pf.every = std::max<int64_t>(1, K / steps);
    pf.linesPerStep = (share + steps - 1) / steps;
    return pf;
  };
  // Panel p's column tiles [t0, t1); `first`: the first panel its thread runs (it
  // streams its own weights); `nextPanel`: the one its thread runs next, or null.
  auto runPanel = [&](int64_t p, int64_t t0, int64_t t1, bool first, const char *nextPanel) {
    const int64_t m0 = p * kNR, rows = std::min<int64_t>(kNR, M - m0);
    const float *ap = a.data.data() + p * kNR * K;
    const float *bias = ep.rowBias ? ep.rowBias + m0 : nullptr;
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t n0 = start(t), cols = start(t + 1) - n0;
      const int64_t at = m0 * ldc + n0; // the tile's offset in C and the addend
      Prefetch pf;
      if (first && t == t0) { // its own panel, kPrefetchAhead bytes ahead of it
        const char *own = (const char *)ap;
        for (int64_t l = 0; l < std::min(panelBytes, kPrefetchAhead); l += 64)
          __builtin_prefetch(own + l);
        pf.from = own + std::min(panelBytes, kPrefetchAhead);
        pf.to = own + panelBytes;
        pf.every = 1;
        pf.linesPerStep = kNR * sizeof(float) / 64; // what one step of K reads
      } else if (nextPanel && first) {
        pf = shared(nextPanel, t - t0 - 1, t1 - t0 - 1);
      } else if (nextPanel) {
        pf = shared(nextPanel, t - t0, t1 - t0);
      }
      // (Whole-vector stores only inside this call's columns: past them another
      // thread may be writing.)
      tileFor(cols)(K, ap, b + n0, ldb, c + at, ep.addend ? ep.addend + at : nullptr, ldc,
                    rows, bias, ep, n0 + kVec <= start(t1), pf);
    }
  };
  const int threads = threadCount();
  if (threads > 1 && panels % threads != 0 && panels < 4 * threads && tiles > 1) {
    // Few panels that do not share out evenly (MobileNet's 96 and 160 output
    // channels: 3 and 5 panels on 2 threads): each panel's column tiles are split
    // too, so that every thread gets the same work.
    const int64_t splits = std::min<int64_t>(tiles, threads);
    parallelFor(panels * splits, [&](int64_t job) {
      const int64_t p = job / splits, s = job % splits;
      runPanel(p, tiles * s / splits, tiles * (s + 1) / splits, true, nullptr);
    });
    return;
  }
  parallelRanges(panels, [&](int64_t first, int64_t end) {
    for (int64_t p = first; p < end; ++p)
      runPanel(p, 0, tiles, p == first,
               p + 1 < end ? (const char *)(a.data.data() + (p + 1) * kNR * K) : nullptr);
  });
}

} // namespace fast
} // namespace rt
} // namespace sepnn
