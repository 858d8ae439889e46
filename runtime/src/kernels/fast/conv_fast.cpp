// Fast Conv: im2col + packed GEMM per group, a vectorized direct loop for depthwise.
#include "kernels/fast/fast.h"
#include "kernels/fast/parallel.h"
#include "kernels/fast/winograd.h"
#include "kernels/fast/simd.h"

#include <algorithm>
#include <cstring>
#include <sys/mman.h>
#include <unistd.h>

namespace sepnn {
namespace rt {
namespace fast {
namespace {

using kernels::ConvGeometry;

// One packed A per group: rows are the group's output channels, columns its
// (ci, kh, kw) taps, exactly the weight tensor's row-major layout.
const std::vector<PackedA> &packedWeights(const TensorData &w, const ConvGeometry &g,
                                          PackCache &cache, std::vector<PackedA> &local) {
  const int64_t K = g.Cg * g.KH * g.KW;
  return cache.packedOnce({w.data(), g.M, K, g.group, kGemmForm}, w, local,
                          [&](std::vector<PackedA> &out) {
                            for (int64_t gi = 0; gi < g.group; ++gi)
                              out.push_back(packA(w.data() + gi * g.Mg * K, g.Mg, K, K, 1));
                          });
}

// Depthwise (one input and one output channel per group): per output row, vectors of
// kVec outputs accumulate every tap in registers where all taps lie inside the input
// (stride 1 or 2: a stride-2 row is the even lanes of two loads); the edge columns go
// one by one with bounds checks.
void depthwise(const float *x, const float *w, const float *bias, const ConvGeometry &g,
               const Clamp &clamp, float *y) {
  const int64_t sh = g.strides[0], sw = g.strides[1], KH = g.KH, KW = g.KW;
  // Output columns [in0, in1) where every tap's input column is inside the row.
  const kernels::TapColumns cols = kernels::tapColumns(KW, g.dil[1], g.pads[1], sw, g.W, g.OW);
  const kernels::Ints &offW = cols.off;
  const int64_t in0 = *std::max_element(cols.lo.begin(), cols.lo.end());
  const int64_t in1 = std::max(in0, *std::min_element(cols.hi.begin(), cols.hi.end()));
  const bool vectorize = sw <= 2 && KH * KW <= 49;
  // Rows narrower than a vector: with stride 1 and the output as wide as the input, the
  // rows whose taps all lie inside the input run as one flat range of the plane (a tap
  // is a constant shift of the flat index); the columns where that shift wraps into
  // the next row are recomputed afterwards, one by one.
  const int64_t ohLo = g.pads[0], ohHi = std::min(g.OH, g.H - KH + 1 + g.pads[0]);
  const bool flat = vectorize && sw == 1 && sh == 1 && g.dil[0] == 1 && g.dil[1] == 1 &&
                    g.OW == g.W && ohHi > ohLo && in1 > in0;
  parallelFor(g.N * g.C, [&](int64_t nc) {
    const int64_t c = nc % g.C;
    const float *in = x + nc * g.H * g.W;
    const float *k = w + c * KH * KW;
    float *out = y + nc * g.OH * g.OW;
    const float b = bias ? bias[c] : 0.0f;
    const float *rows[64]; // input row of each valid tap row (conv() keeps KH <= 64)
    int64_t taps[64];
    if (flat) {
      const int64_t p1 = (ohHi - 1) * g.W + in1;
      int64_t p = ohLo * g.W + in0;
      for (; p + kVec <= p1; p += kVec) {
        VFloat acc = splat(b);
        for (int64_t kh = 0; kh < KH; ++kh)
          for (int64_t kw = 0; kw < KW; ++kw)
            acc += splat(k[kh * KW + kw]) * load(in + p + (kh - ohLo) * g.W + offW[kw]);
        store(out + p, clamp(acc));
      }
      for (; p < p1; ++p) {
        float acc = b;
        for (int64_t kh = 0; kh < KH; ++kh)
          for (int64_t kw = 0; kw < KW; ++kw)
            acc += k[kh * KW + kw] * in[p + (kh - ohLo) * g.W + offW[kw]];
        out[p] = clamp(acc);
      }
    }
    for (int64_t oh = 0; oh < g.OH; ++oh) {
      float *orow = out + oh * g.OW;
      int64_t nRows = 0;
      for (int64_t kh = 0; kh < KH; ++kh) {
        const int64_t ih = oh * sh + kh * g.dil[0] - g.pads[0];
        if (ih >= 0 && ih < g.H) {
          rows[nRows] = in + ih * g.W;
          taps[nRows++] = kh;
        }
      }
      auto scalarAt = [&](int64_t ow) {
        float acc = b;
        for (int64_t r = 0; r < nRows; ++r)
          for (int64_t kw = 0; kw < KW; ++kw) {
            const int64_t iw = ow * sw + offW[kw];
            if (iw >= 0 && iw < g.W)
              acc += k[taps[r] * KW + kw] * rows[r][iw];
          }
        orow[ow] = clamp(acc);
      };
      auto interiorAt = [&](int64_t ow) { // every tap inside the row: no checks
        float acc = b;
        for (int64_t r = 0; r < nRows; ++r) {
          const float *src = rows[r] + ow * sw;
          const float *kr = k + taps[r] * KW;
          for (int64_t kw = 0; kw < KW; ++kw)
            acc += kr[kw] * src[offW[kw]];
        }
        orow[ow] = clamp(acc);
      };
      int64_t ow = 0;
      for (; ow < in0; ++ow)
        scalarAt(ow);
      if (flat && oh >= ohLo && oh < ohHi) { // the middle is done
        for (ow = in1; ow < g.OW; ++ow)
          scalarAt(ow);
        continue;
      }
      // (a stride-2 vector reads one value past its last tap: it must be in the row)
      if (vectorize)
        for (; ow + kVec <= in1 && (sw == 1 || ow * sw + offW[KW - 1] + 2 * kVec <= g.W);
             ow += kVec) {
          VFloat acc = splat(b);
          for (int64_t r = 0; r < nRows; ++r)
            for (int64_t kw = 0; kw < KW; ++kw) {
              const float *src = rows[r] + ow * sw + offW[kw];
              const VFloat v = sw == 1 ? load(src) : evenLanes(load(src), load(src + kVec));
              acc += splat(k[taps[r] * KW + kw]) * v;
            }
          store(orow + ow, clamp(acc));
        }
      for (; ow < in1; ++ow)
        interiorAt(ow);
      for (; ow < g.OW; ++ow)
        scalarAt(ow);
    }
  });
}

} // namespace

const std::vector<PackedA> &
PackCache::packedOnce(const Key &key, const TensorData &w, std::vector<PackedA> &local,
                      const std::function<void(std::vector<PackedA> &)> &build) {
  if (!stable(w.data())) {
    local.clear();
    build(local);
    return local;
  }
  auto it = packed.find(key);
  if (it == packed.end()) {
    it = packed.emplace(key, std::vector<PackedA>{}).first;
    build(it->second);
    dropOriginal(w.data(), w.numel());
  }
  return it->second;
}

void PackCache::dropOriginal(const float *p, int64_t n) const {
  if (!fileBacked || n <= 0)
    return;
  const uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
  const uintptr_t begin = ((uintptr_t)p + page - 1) / page * page;
  const uintptr_t end = ((uintptr_t)(p + n)) / page * page;
  if (end > begin)
    ::madvise((void *)begin, end - begin, MADV_DONTNEED);
}

TensorData conv(const TensorData &x, const TensorData &w, const TensorData *b,
                const kernels::Ints &pads, const kernels::Ints &strides,
                const kernels::Ints &dilations, int64_t group, PackCache &cache,
                const Clamp &clamp) {
  const ConvGeometry g = kernels::convGeometry(x, w, b, pads, strides, dilations, group);
  TensorData y = TensorData::uninit({g.N, g.M, g.OH, g.OW}); // every element written
  const float *bias = b ? b->data() : nullptr;
  if (g.Cg == 1 && g.Mg == 1 && g.KH <= 64) {
    depthwise(x.data(), w.data(), bias, g, clamp, y.mut());
    return y;
  }
  if (winogradApplies(g)) {
    winogradConv(x, w, bias, g, cache, clamp, y.mut());
    return y;
  }
  std::vector<PackedA> local;
  const std::vector<PackedA> &packs = packedWeights(w, g, cache, local);
  const int64_t P = g.OH * g.OW;
  // A 1x1 convolution with stride 1 and no padding reads its input as the B matrix;
  // the others read their im2col matrix, packed straight from the input.
  const bool direct = g.KH == 1 && g.KW == 1 && g.strides[0] == 1 && g.strides[1] == 1 &&
                      g.pads[0] == 0 && g.pads[1] == 0 && g.pads[2] == 0 && g.pads[3] == 0;
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t gi = 0; gi < g.group; ++gi) {
      const float *in = x.data() + (n * g.C + gi * g.Cg) * g.H * g.W;
      const ConvPatches patches{in,          g.Cg,        g.H,         g.W,
                                g.KH,        g.KW,        g.OH,        g.OW,
                                g.strides[0], g.strides[1], g.dil[0],  g.dil[1],
                                g.pads[0],   g.pads[1]};
      BMatrix bm;
      if (direct) {
        bm.dense = in;
        bm.ldb = P;
      } else {
        bm.patches = &patches;
      }
      Epilogue ep;
      ep.rowBias = bias ? bias + gi * g.Mg : nullptr;
      ep.clamp = clamp;
      sgemm(packs[gi], bm, P, y.mut() + (n * g.M + gi * g.Mg) * P, P, ep);
    }
  return y;
}

} // namespace fast
} // namespace rt
} // namespace sepnn
