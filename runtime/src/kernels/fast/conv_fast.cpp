// Fast Conv: convKernel picks the kernel by shape (fast.h); the GEMM and the narrow
// GEMM's inputs are prepared here, the other kernels live in their own files.
#include "kernels/fast/fast.h"
#include "kernels/fast/depthwise.h"
#include "kernels/fast/direct_conv.h"
#include "kernels/fast/sgemm_narrow.h"
#include "kernels/fast/parallel.h"
#include "kernels/fast/phase_planes.h"
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

// The im2col matrices of x [N, C, H, W]: out [N, C * KH * KW, OH * OW], row (c, kh, kw)
// holding the input under that tap for every output pixel (0 in the padding).
void im2col(const float *x, const ConvGeometry &g, float *out) {
  const int64_t P = g.OH * g.OW, taps = g.KH * g.KW;
  const kernels::TapColumns cols =
      kernels::tapColumns(g.KW, g.dil[1], g.pads[1], g.strides[1], g.W, g.OW);
  parallelFor(g.N * g.C, [&](int64_t nc) {
    const float *plane = x + nc * g.H * g.W;
    for (int64_t t = 0; t < taps; ++t) {
      const int64_t kh = t / g.KW, kw = t % g.KW;
      float *row = out + (nc * taps + t) * P;
      for (int64_t oh = 0; oh < g.OH; ++oh, row += g.OW) {
        const int64_t ih = oh * g.strides[0] + kh * g.dil[0] - g.pads[0];
        std::fill(row, row + g.OW, 0.0f);
        if (ih < 0 || ih >= g.H)
          continue;
        const int64_t lo = cols.lo[kw], hi = cols.hi[kw];
        if (hi > lo)
          copyStrided(plane + ih * g.W + cols.off[kw] + lo * g.strides[1], g.strides[1],
                      hi - lo, row + lo);
      }
    }
  });
}

// y = clamp(y + addend) over n floats in one pass (nothing when addend is null: y's
// kernel clamped).
void addResidual(float *yp, int64_t n, const float *addend, const Clamp &clamp) {
  if (!addend)
    return;
  const int64_t chunk = 16 * 1024; // floats per job
  parallelFor((n + chunk - 1) / chunk, [&](int64_t job) {
    const int64_t begin = job * chunk, end = std::min(n, begin + chunk);
    int64_t i = begin;
    for (; i + kVec <= end; i += kVec)
      store(yp + i, clamp(load(yp + i) + load(addend + i)));
    for (; i < end; ++i)
      yp[i] = clamp(yp[i] + addend[i]);
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

ConvKernel convKernel(const ConvGeometry &g) {
  if (g.Cg == 1 && g.Mg == 1 && g.strides[1] <= kMaxStride)
    return ConvKernel::Depthwise;
  if (directConvApplies(g))
    return ConvKernel::Direct;
  const bool narrow = g.group == 1 && narrowPays(g.M, g.OH * g.OW);
  // On small planes with few input channels Winograd's transforms outweigh its
  // savings (SqueezeNet's 13x13 layers: 0.33 ms against 0.30 on the narrow GEMM).
  if (winogradApplies(g) && !(narrow && g.C <= 64))
    return ConvKernel::Winograd;
  return narrow ? ConvKernel::Narrow : ConvKernel::Gemm;
}

const char *convKernelName(ConvKernel k) {
  switch (k) {
  case ConvKernel::Depthwise: return "depthwise";
  case ConvKernel::Direct: return "direct";
  case ConvKernel::Winograd: return "winograd";
  case ConvKernel::Narrow: return "narrow";
  case ConvKernel::Gemm: return "gemm";
  }
  return "?";
}

TensorData conv(const TensorData &x, const TensorData &w, const TensorData *b,
                const kernels::Ints &pads, const kernels::Ints &strides,
                const kernels::Ints &dilations, int64_t group, PackCache &cache,
                const Clamp &clamp, const TensorData *residual, float *into) {
  const ConvGeometry g = kernels::convGeometry(x, w, b, pads, strides, dilations, group);
  const Shape yShape = {g.N, g.M, g.OH, g.OW};
  if (residual && residual->shape != yShape)
    fail("residual must have the output's shape ", shapeStr(yShape), ", got ",
         shapeStr(residual->shape));
  // Every element written, into a new tensor or `into`.
  TensorData y = into ? TensorData::view(yShape, into) : TensorData::uninit(yShape);
  float *yp = into ? into : y.mut();
  const float *bias = b ? b->data() : nullptr;
  const float *addend = residual ? residual->data() : nullptr;
  // Kernels without the residual in their stores: the convolution, then one pass.
  const Clamp beforeResidual = residual ? Clamp{} : clamp;
  const ConvKernel kernel = convKernel(g);
  switch (kernel) {
  case ConvKernel::Depthwise:
    depthwise(x.data(), w.data(), bias, g, beforeResidual, yp);
    addResidual(yp, y.numel(), addend, clamp);
    return y;
  case ConvKernel::Direct:
    directConv(x, w, bias, g, cache, beforeResidual, yp);
    addResidual(yp, y.numel(), addend, clamp);
    return y;
  case ConvKernel::Winograd:
    winogradConv(x, w, bias, g, cache, beforeResidual, yp);
    addResidual(yp, y.numel(), addend, clamp);
    return y;
  case ConvKernel::Narrow:
  case ConvKernel::Gemm:
    break;
  }
  std::vector<PackedA> local;
  const int64_t P = g.OH * g.OW;
  // The B matrix: a 1x1 convolution with stride 1 and no padding reads its input; a
  // strided 1x1 (its subsampled input, a fraction of the products' cost) or any other
  // convolution for the narrow GEMM (small planes) its materialized im2col matrix;
  // the GEMM otherwise packs its im2col blocks straight from the input.
  const bool pointwise = g.KH == 1 && g.KW == 1 && g.pads[0] == 0 && g.pads[1] == 0 &&
                         g.pads[2] == 0 && g.pads[3] == 0;
  const bool strided = g.strides[0] != 1 || g.strides[1] != 1;
  const int64_t K = g.Cg * g.KH * g.KW;
  std::vector<float> columns; // the im2col matrices [N, C * KH * KW, P]
  const float *dense = x.data();
  if (pointwise ? strided : kernel == ConvKernel::Narrow) {
    columns.resize((size_t)(g.N * g.C * g.KH * g.KW * P));
    im2col(x.data(), g, columns.data());
    dense = columns.data();
  }
  if (kernel == ConvKernel::Narrow) { // group 1: K = C * KH * KW
    const std::vector<PackedA> &packs = cache.packedOnce(
        {w.data(), g.M, K, 1, kNarrowForm}, w, local,
        [&](std::vector<PackedA> &out) { out.push_back(packANarrow(w.data(), g.M, K)); });
    Epilogue ep;
    ep.rowBias = bias;
    ep.clamp = clamp;
    for (int64_t n = 0; n < g.N; ++n) {
      ep.addend = addend ? addend + n * g.M * P : nullptr;
      sgemmNarrow(packs[0], dense + n * K * P, P, P, yp + n * g.M * P, P, ep);
    }
    return y;
  }
  const std::vector<PackedA> &packs = packedWeights(w, g, cache, local);
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t gi = 0; gi < g.group; ++gi) {
      const float *in = x.data() + (n * g.C + gi * g.Cg) * g.H * g.W;
      const ConvPatches patches{in,          g.Cg,        g.H,         g.W,
                                g.KH,        g.KW,        g.OH,        g.OW,
                                g.strides[0], g.strides[1], g.dil[0],  g.dil[1],
                                g.pads[0],   g.pads[1]};
      BMatrix bm;
      if (pointwise) {
        bm.dense = dense + (n * g.C + gi * g.Cg) * P; // K = Cg rows
        bm.ldb = P;
      } else {
        bm.patches = &patches;
      }
      Epilogue ep;
      ep.rowBias = bias ? bias + gi * g.Mg : nullptr;
      ep.addend = addend ? addend + (n * g.M + gi * g.Mg) * P : nullptr;
      ep.clamp = clamp;
      sgemm(packs[gi], bm, P, yp + (n * g.M + gi * g.Mg) * P, P, ep);
    }
  return y;
}

} // namespace fast
} // namespace rt
} // namespace sepnn
