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
using kernels::validColumns;

// One packed A per group: rows are the group's output channels, columns its
// (ci, kh, kw) taps, exactly the weight tensor's row-major layout.
const std::vector<PackedA> &packedWeights(const TensorData &w, const ConvGeometry &g,
                                          PackCache &cache, std::vector<PackedA> &local) {
  const int64_t K = g.Cg * g.KH * g.KW;
  auto pack = [&](std::vector<PackedA> &out) {
    out.clear();
    for (int64_t gi = 0; gi < g.group; ++gi)
      out.push_back(packA(w.data() + gi * g.Mg * K, g.Mg, K, K, 1));
  };
  if (!cache.stable(w.data())) {
    pack(local);
    return local;
  }
  auto key = std::make_tuple(w.data(), g.M, K, g.group);
  auto it = cache.conv.find(key);
  if (it == cache.conv.end()) {
    it = cache.conv.emplace(key, std::vector<PackedA>{}).first;
    pack(it->second);
    cache.dropOriginal(w.data(), w.numel());
  }
  return it->second;
}

// Depthwise (one input and one output channel per group): per output row, each tap
// adds a scaled input row, vectorized along the row when the stride is 1.
void depthwise(const float *x, const float *w, const float *bias, const ConvGeometry &g,
               bool relu, float *y) {
  const int64_t sh = g.strides[0], sw = g.strides[1];
  parallelFor(g.N * g.C, [&](int64_t nc) {
    const int64_t n = nc / g.C, c = nc % g.C;
    const float *in = x + (n * g.C + c) * g.H * g.W;
    const float *k = w + c * g.KH * g.KW;
    float *out = y + (n * g.C + c) * g.OH * g.OW;
    const float b = bias ? bias[c] : 0.0f;
    for (int64_t oh = 0; oh < g.OH; ++oh) {
      float *orow = out + oh * g.OW;
      std::fill(orow, orow + g.OW, b);
      for (int64_t kh = 0; kh < g.KH; ++kh) {
        const int64_t ih = oh * sh + kh * g.dil[0] - g.pads[0];
        if (ih < 0 || ih >= g.H)
          continue;
        for (int64_t kw = 0; kw < g.KW; ++kw) {
          const float wv = k[kh * g.KW + kw];
          const int64_t offW = kw * g.dil[1] - g.pads[1];
          int64_t lo, hi;
          validColumns(offW, sw, g.W, g.OW, lo, hi);
          const float *src = in + ih * g.W + offW;
          int64_t ow = lo;
          if (sw == 1) {
            const VFloat wv4 = splat(wv);
            for (; ow + kVec <= hi; ow += kVec)
              store(orow + ow, load(orow + ow) + wv4 * load(src + ow));
          }
          for (; ow < hi; ++ow)
            orow[ow] += wv * src[ow * sw];
        }
      }
      if (relu)
        for (int64_t ow = 0; ow < g.OW; ++ow)
          orow[ow] = std::max(orow[ow], 0.0f);
    }
  });
}

} // namespace

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
                bool relu) {
  const ConvGeometry g = kernels::convGeometry(x, w, b, pads, strides, dilations, group);
  TensorData y = TensorData::uninit({g.N, g.M, g.OH, g.OW}); // every element written
  const float *bias = b ? b->data() : nullptr;
  if (g.Cg == 1 && g.Mg == 1) {
    depthwise(x.data(), w.data(), bias, g, relu, y.mut());
    return y;
  }
  if (winogradApplies(g)) {
    winogradConv(x, w, bias, g, cache, relu, y.mut());
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
      ep.relu = relu;
      sgemm(packs[gi], bm, P, y.mut() + (n * g.M + gi * g.Mg) * P, P, ep);
    }
  return y;
}

} // namespace fast
} // namespace rt
} // namespace sepnn
