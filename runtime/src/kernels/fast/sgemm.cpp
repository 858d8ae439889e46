#include "kernels/fast/sgemm.h"
#include "kernels/fast/parallel.h"
#include "kernels/fast/simd.h"
#include "kernels/kernels.h"

#include <algorithm>
#include <cstring>

namespace sepnn {
namespace rt {
namespace fast {
namespace {

// KC: depth of one packed slice (the A sliver, kMR x KC floats, stays in L1).
// NC: width of one packed B block (KC x NC floats, ~512 KiB, stays in L2).
constexpr int64_t kKC = 256;
constexpr int64_t kNC = 16 * kNR;
// Up to this depth the threads split C by rows as well as by column blocks.
constexpr int64_t kFewSteps = 32;
// How far ahead along a row of B (floats: two panels) packB prefetches: it reads kc
// rows a whole row apart for each panel, and the input of a 1x1 convolution at 56x56
// is not in the caches in a network (ResNeXt's 56x56 1x1 layers -2.6 to -3%).
constexpr int64_t kPackAhead = 2 * kNR;

// The micro-kernel: rows [0, rows) and columns [0, cols) of a tile of C from kc steps
// of a packed A sliver and a packed B sliver, R >= rows rows computed (the sliver's
// padding rows are zeros; the rows past `rows` are not stored). The epilogue (bias,
// addend, clamp) is applied with `Last`; C is read back unless `First` (or
// `accumulate`).
template <int R, bool First, bool Last>
inline void microKernel(int64_t kc, const float *a, const float *b, float *c, int64_t ldc,
                        int64_t rows, int64_t cols, const float *bias, const float *addend,
                        const Clamp &clamp, bool accumulate) {
  VFloat acc[R][2];
#pragma GCC unroll 16
  for (int i = 0; i < R; ++i)
    acc[i][0] = acc[i][1] = VFloat{};
  // The tile's rows of C (to be written) and of the addend (read after the products):
  // in a network both are often out of the caches (ResNeXt's residuals at 56x56, 3 MiB,
  // added three layers after they were written), and their misses then come after
  // the products instead of during them: ResNeXt's 128 -> 256 1x1 conv_add_relu at
  // 56x56, in the network, -4%.
  for (int64_t i = 0; i < rows; ++i) {
    __builtin_prefetch(c + i * ldc, 1);
    __builtin_prefetch(c + i * ldc + kVec, 1);
    if (Last && addend) {
      __builtin_prefetch(addend + i * ldc);
      __builtin_prefetch(addend + i * ldc + kVec);
    }
  }
  for (int64_t k = 0; k < kc; ++k) {
    const VFloat b0 = load(b), b1 = load(b + kVec);
#pragma GCC unroll 16
    for (int i = 0; i < R; ++i) {
      const VFloat ai = splat(a[i]);
      acc[i][0] += ai * b0;
      acc[i][1] += ai * b1;
    }
    a += kMR;
    b += kNR;
  }
  // Columns in each half: whole vectors unless the tile is at C's right edge.
  const bool whole = cols == kNR;
  const int64_t n0 = std::min<int64_t>(cols, kVec), n1 = cols - n0;
  auto get = [&](const float *p, int64_t n) { return whole ? load(p) : loadUpTo(p, n); };
#pragma GCC unroll 16
  for (int i = 0; i < R; ++i) {
    if (i >= rows)
      break;
    float *row = c + i * ldc;
    VFloat v0 = acc[i][0], v1 = acc[i][1];
    if (!First || accumulate) {
      v0 += get(row, n0);
      v1 += get(row + kVec, n1);
    }
    if (Last) {
      if (bias) {
        v0 += splat(bias[i]);
        v1 += splat(bias[i]);
      }
      if (addend) {
        v0 += get(addend + i * ldc, n0);
        v1 += get(addend + i * ldc + kVec, n1);
      }
      if (clamp.active()) {
        v0 = clamp(v0);
        v1 = clamp(v1);
      }
    }
    if (whole) {
      store(row, v0);
      store(row + kVec, v1);
    } else {
      storePartial(row, v0, n0);
      if (n1 > 0)
        storePartial(row + kVec, v1, n1);
    }
  }
}

template <int R>
void tileOf(int64_t kc, const float *a, const float *b, float *c, int64_t ldc, int64_t rows,
            int64_t cols, bool first, bool last, const float *bias, const float *addend,
            const Epilogue &ep) {
  if (first && last)
    microKernel<R, true, true>(kc, a, b, c, ldc, rows, cols, bias, addend, ep.clamp,
                               ep.accumulate);
  else if (first)
    microKernel<R, true, false>(kc, a, b, c, ldc, rows, cols, bias, addend, ep.clamp,
                                ep.accumulate);
  else if (last)
    microKernel<R, false, true>(kc, a, b, c, ldc, rows, cols, bias, addend, ep.clamp,
                                ep.accumulate);
  else
    microKernel<R, false, false>(kc, a, b, c, ldc, rows, cols, bias, addend, ep.clamp,
                                 ep.accumulate);
}

// One tile, full or at an edge (rows < kMR or cols < kNR). An edge tile computes its
// rows rounded up to 4 (or 8: M = 64, 128, 256 leave 4 or 8 rows after the 12-row
// panels) and stores only its own rows and columns, straight into C: through a
// scalar copy, as before, such a tile cost more than a whole one in a 1x1 with few
// input channels (SqueezeNet's 16 -> 64 expand at 55x55 0.109 -> 0.076 ms).
// `at` is the tile's offset in C (and in the addend).
void tile(int64_t kc, const float *a, const float *b, float *c, int64_t ldc, int64_t rows,
          int64_t cols, bool first, bool last, const Epilogue &ep, int64_t m0, int64_t at) {
  const float *bias = ep.rowBias ? ep.rowBias + m0 : nullptr;
  const float *addend = ep.addend ? ep.addend + at : nullptr;
  constexpr int kFour = kMR < 4 ? kMR : 4, kEight = kMR < 8 ? kMR : 8;
  if (rows <= kFour)
    tileOf<kFour>(kc, a, b, c + at, ldc, rows, cols, first, last, bias, addend, ep);
  else if (rows <= kEight)
    tileOf<kEight>(kc, a, b, c + at, ldc, rows, cols, first, last, bias, addend, ep);
  else
    tileOf<kMR>(kc, a, b, c + at, ldc, rows, cols, first, last, bias, addend, ep);
}

// Packs B[k0:k0+kc, n0:n0+nc] into kNR-wide panels, each kc rows of kNR values, the
// last panel zero-padded.
void packB(const float *b, int64_t ldb, int64_t k0, int64_t kc, int64_t n0, int64_t nc,
           float *dst) {
  for (int64_t j = 0; j < nc; j += kNR) {
    const int64_t w = std::min<int64_t>(kNR, nc - j);
    const float *src = b + k0 * ldb + n0 + j;
    if (w == kNR) {
      for (int64_t k = 0; k < kc; ++k, src += ldb, dst += kNR) {
        __builtin_prefetch(src + kPackAhead);
        __builtin_prefetch(src + kPackAhead + kVec);
        store(dst, load(src));
        store(dst + kVec, load(src + kVec));
      }
    } else {
      for (int64_t k = 0; k < kc; ++k, src += ldb, dst += kNR) {
        std::memcpy(dst, src, (size_t)w * sizeof(float));
        std::fill(dst + w, dst + kNR, 0.0f);
      }
    }
  }
}

// Packs the patches' rows [k0, k0+kc) and columns [n0, n0+nc) like packB. A panel's
// kNR output pixels fall into runs along output rows; per row of B, each run is a
// (strided) copy of an input row between zero-filled padding.
void packPatches(const ConvPatches &p, int64_t k0, int64_t kc, int64_t n0, int64_t nc,
                 float *dst) {
  struct Run {
    int64_t oh, ow, count, at; // output row, first column, length, offset in the panel
  };
  const int64_t taps = p.KH * p.KW;
  const kernels::TapColumns cols =
      kernels::tapColumns(p.KW, p.dilationW, p.padLeft, p.strideW, p.W, p.OW);
  for (int64_t j = 0; j < nc; j += kNR, dst += kc * kNR) {
    const int64_t w = std::min<int64_t>(kNR, nc - j);
    Run runs[kNR];
    int64_t nRuns = 0;
    for (int64_t at = 0; at < w;) {
      const int64_t pix = n0 + j + at, oh = pix / p.OW, ow = pix % p.OW;
      const int64_t count = std::min(p.OW - ow, w - at);
      runs[nRuns++] = {oh, ow, count, at};
      at += count;
    }
    for (int64_t k = k0; k < k0 + kc; ++k) {
      float *row = dst + (k - k0) * kNR;
      const int64_t c = k / taps, kh = k % taps / p.KW, kw = k % p.KW;
      const float *plane = p.image + c * p.H * p.W;
      const int64_t off = cols.off[kw], lo = cols.lo[kw], hi = cols.hi[kw];
      for (int64_t r = 0; r < nRuns; ++r) {
        const Run &run = runs[r];
        float *o = row + run.at;
        const int64_t ih = run.oh * p.strideH + kh * p.dilationH - p.padTop;
        const int64_t a = std::clamp(lo, run.ow, run.ow + run.count);
        const int64_t b = std::clamp(hi, a, run.ow + run.count);
        if (ih < 0 || ih >= p.H) {
          std::fill(o, o + run.count, 0.0f);
          continue;
        }
        const float *src = plane + ih * p.W + off;
        std::fill(o, o + (a - run.ow), 0.0f);
        if (p.strideW == 1) {
          std::memcpy(o + (a - run.ow), src + a, (size_t)(b - a) * sizeof(float));
        } else {
          int64_t ow = a;
          if (p.strideW == 2) // even lanes of two loads, while both stay in the row
            for (; ow + kVec <= b && off + ow * 2 + 2 * kVec <= p.W; ow += kVec)
              store(o + (ow - run.ow), evenLanes(load(src + ow * 2), load(src + ow * 2 + kVec)));
          for (; ow < b; ++ow)
            o[ow - run.ow] = src[ow * p.strideW];
        }
        std::fill(o + (b - run.ow), o + run.count, 0.0f);
      }
      std::fill(row + w, row + kNR, 0.0f);
    }
  }
}

} // namespace

PackedA packA(const float *a, int64_t M, int64_t K, int64_t rowStride, int64_t colStride,
              float scale) {
  PackedA p;
  p.M = M;
  p.K = K;
  const int64_t panels = (M + kMR - 1) / kMR;
  p.data.assign((size_t)(panels * kMR * K), 0.0f);
  for (int64_t pi = 0; pi < panels; ++pi) {
    float *dst = p.data.data() + pi * kMR * K;
    const int64_t rows = std::min<int64_t>(kMR, M - pi * kMR);
    for (int64_t k = 0; k < K; ++k)
      for (int64_t i = 0; i < rows; ++i)
        dst[k * kMR + i] = scale * a[(pi * kMR + i) * rowStride + k * colStride];
  }
  return p;
}

void sgemm(const PackedA &a, const BMatrix &b, int64_t N, float *c, int64_t ldc,
           const Epilogue &ep) {
  const int64_t M = a.M, K = a.K;
  if (M == 0 || N == 0)
    return;
  if (K == 0) { // no products: the epilogue alone
    for (int64_t m = 0; m < M; ++m)
      for (int64_t n = 0; n < N; ++n) {
        float v = ep.accumulate ? c[m * ldc + n] : 0.0f;
        if (ep.rowBias)
          v += ep.rowBias[m];
        if (ep.addend)
          v += ep.addend[m * ldc + n];
        c[m * ldc + n] = ep.clamp(v);
      }
    return;
  }
  const int64_t panels = (M + kMR - 1) / kMR;
  const int threads = threadCount();
  // Jobs: column blocks of about kNC (as many as a multiple of the thread count, of
  // equal width), each job packing its own B block; when there are too few columns
  // for that, every thread takes all columns and a share of the row panels. With few
  // steps of K (a 1x1 expanding 16 to 32 channels) the GEMM is bound by writing C:
  // then the threads split the rows too, so that each writes long stretches of fewer
  // rows instead of a short one of every row (the packing, repeated per thread, costs
  // little at that depth): MobileNet's 16 -> 96 expand at 112x112, 2 threads, -18% in
  // the network.
  const bool fewSteps = K <= kFewSteps && threads > 1;
  const bool fewColumns = N <= 4 * kNR * threads;
  const int64_t mSplits = fewSteps || fewColumns ? std::min<int64_t>(threads, panels) : 1;
  int64_t nBlocks = (N + kNC - 1) / kNC;
  if (!fewSteps)
    nBlocks = fewColumns ? 1
                         : threads * ((N + (int64_t)threads * kNC - 1) /
                                      ((int64_t)threads * kNC));
  const int64_t nc = (((N + nBlocks - 1) / nBlocks) + kNR - 1) / kNR * kNR;
  // Slices of K of equal depth (a last thin slice would cost a pass over C for
  // little work).
  const int64_t slices = (K + kKC - 1) / kKC, kcStep = (K + slices - 1) / slices;
  nBlocks = (N + nc - 1) / nc;
  parallelFor(nBlocks * mSplits, [&](int64_t job) {
    const int64_t n0 = job / mSplits * nc, split = job % mSplits;
    const int64_t p0 = panels * split / mSplits, p1 = panels * (split + 1) / mSplits;
    const int64_t width = std::min(nc, N - n0);
    thread_local std::vector<float> bBlock;
    if (!b.prepacked)
      bBlock.resize((size_t)(kcStep * nc));
    for (int64_t k0 = 0; k0 < K; k0 += kcStep) {
      const int64_t kc = std::min(kcStep, K - k0);
      const bool first = k0 == 0, last = k0 + kc == K;
      // The block's panels: j-th at block + j * kc, or in the prepacked matrix.
      const float *block = bBlock.data();
      int64_t panelStride = kc;
      if (b.prepacked) {
        block = b.prepacked + n0 * K + k0 * kNR;
        panelStride = K;
      } else if (b.patches) {
        packPatches(*b.patches, k0, kc, n0, width, bBlock.data());
      } else {
        packB(b.dense, b.ldb, k0, kc, n0, width, bBlock.data());
      }
      for (int64_t pi = p0; pi < p1; ++pi) {
        const float *aSliver = a.data.data() + pi * kMR * K + k0 * kMR;
        const int64_t m0 = pi * kMR, rows = std::min<int64_t>(kMR, M - m0);
        for (int64_t j = 0; j < width; j += kNR)
          tile(kc, aSliver, block + j * panelStride, c, ldc, rows,
               std::min<int64_t>(kNR, width - j), first, last, ep, m0, m0 * ldc + n0 + j);
      }
    }
  });
}

} // namespace fast
} // namespace rt
} // namespace sepnn
