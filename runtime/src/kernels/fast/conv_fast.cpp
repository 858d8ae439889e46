// Fast Conv: convKernel picks the kernel by shape (fast.h); the GEMM and the narrow
// GEMM's inputs are prepared here, the other kernels live in their own files.
#include "kernels/fast/fast.h"
#include "kernels/fast/depthwise.h"
#include "kernels/fast/direct_conv.h"
#include "kernels/fast/lanes_conv.h"
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

// The weights packed for the narrow GEMM (group 1: K = C * KH * KW).
const PackedA &narrowWeights(const TensorData &w, const ConvGeometry &g, PackCache &cache,
                             std::vector<PackedA> &local) {
  const int64_t K = g.C * g.KH * g.KW;
  return cache.packedOnce({w.data(), g.M, K, 1, kNarrowForm}, w, local,
                          [&](std::vector<PackedA> &out) {
                            out.push_back(packANarrow(w.data(), g.M, K));
                          })[0];
}

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

// Output pixels [q0, q1) of one image's im2col matrix, into `out` (rows `ld` floats
// apart): row (c, kh, kw) holds the input under that tap for each pixel (0 in the
// padding).
void im2colPixels(const float *x, const ConvGeometry &g, int64_t q0, int64_t q1, float *out,
                  int64_t ld) {
  const int64_t taps = g.KH * g.KW;
  const kernels::TapColumns cols =
      kernels::tapColumns(g.KW, g.dil[1], g.pads[1], g.strides[1], g.W, g.OW);
  for (int64_t c = 0; c < g.C; ++c) {
    const float *plane = x + c * g.H * g.W;
    for (int64_t t = 0; t < taps; ++t) {
      const int64_t kh = t / g.KW, kw = t % g.KW;
      float *row = out + (c * taps + t) * ld - q0; // indexed by pixel
      for (int64_t oh = q0 / g.OW; oh * g.OW < q1; ++oh) {
        // The row's columns [a, b) in the range.
        const int64_t a = std::max(q0, oh * g.OW) - oh * g.OW,
                      b = std::min(q1, (oh + 1) * g.OW) - oh * g.OW;
        float *o = row + oh * g.OW;
        std::fill(o + a, o + b, 0.0f);
        const int64_t ih = oh * g.strides[0] + kh * g.dil[0] - g.pads[0];
        if (ih < 0 || ih >= g.H)
          continue;
        const int64_t lo = std::max(a, cols.lo[kw]), hi = std::min(b, cols.hi[kw]);
        if (hi > lo)
          copyStrided(plane + ih * g.W + cols.off[kw] + lo * g.strides[1], g.strides[1],
                      hi - lo, o + lo);
      }
    }
  }
}

// The im2col matrices of x [N, C, H, W]: out [N, C * KH * KW, OH * OW], ranges of
// pixels in parallel.
void im2col(const float *x, const ConvGeometry &g, float *out) {
  const int64_t P = g.OH * g.OW, K = g.C * g.KH * g.KW;
  const int64_t ranges = std::min<int64_t>(P, 4 * threadCount());
  parallelFor(g.N * ranges, [&](int64_t job) {
    const int64_t n = job / ranges, r = job % ranges;
    const int64_t q0 = P * r / ranges, q1 = P * (r + 1) / ranges;
    im2colPixels(x + n * g.C * g.H * g.W, g, q0, q1, out + n * K * P + q0, P);
  });
}

// y = clamp(sums + addend) over n floats in one pass (nothing when addend is null:
// the kernel clamped y). y may be sums or addend.
void addResidual(float *yp, const float *sums, int64_t n, const float *addend,
                 const Clamp &clamp) {
  if (!addend)
    return;
  const int64_t chunk = 16 * 1024; // floats per job
  parallelFor((n + chunk - 1) / chunk, [&](int64_t job) {
    const int64_t begin = job * chunk, end = std::min(n, begin + chunk);
    int64_t i = begin;
    for (; i + kVec <= end; i += kVec)
      store(yp + i, clamp(load(sums + i) + load(addend + i)));
    for (; i < end; ++i)
      yp[i] = clamp(sums[i] + addend[i]);
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
  if (lanesConvApplies(g))
    return ConvKernel::Lanes;
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
  case ConvKernel::Lanes: return "lanes";
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
  // The output written over the residual (the compiler places it there when the
  // residual has no later use): the GEMMs add their products into it (accumulate),
  // one stream of the output's size fewer than reading it as an addend.
  const bool overResidual = addend && addend == yp;
  const uintptr_t out = (uintptr_t)yp, res = (uintptr_t)addend,
                  bytes = (uintptr_t)y.numel() * sizeof(float);
  if (addend && !overResidual && res < out + bytes && out < res + bytes)
    fail("the output overlaps the residual without being it");
  // Kernels without the residual in their stores: the convolution (into a buffer of
  // its own when the output lies over the residual), then one pass.
  const Clamp beforeResidual = residual ? Clamp{} : clamp;
  const ConvKernel kernel = convKernel(g);
  if (kernel != ConvKernel::Narrow && kernel != ConvKernel::Gemm) {
    FloatBuffer scratch(overResidual ? (size_t)y.numel() : 0);
    float *sums = overResidual ? scratch.data() : yp;
    switch (kernel) {
    case ConvKernel::Depthwise:
      depthwise(x.data(), w.data(), bias, g, beforeResidual, sums);
      break;
    case ConvKernel::Lanes:
      lanesConv(x, w, bias, g, cache, beforeResidual, sums);
      break;
    case ConvKernel::Direct:
      directConv(x, w, bias, g, cache, beforeResidual, sums);
      break;
    case ConvKernel::Winograd:
      winogradConv(x, w, bias, g, cache, beforeResidual, sums);
      break;
    case ConvKernel::Narrow:
    case ConvKernel::Gemm: // (below)
      break;
    }
    addResidual(yp, sums, y.numel(), addend, clamp);
    return y;
  }
  // The GEMMs: over the residual, they accumulate into it (no addend).
  if (overResidual)
    addend = nullptr;
  std::vector<PackedA> local;
  const int64_t P = g.OH * g.OW;
  // The B matrix: a 1x1 convolution with stride 1 and no padding reads its input; the
  // others below materialize im2col columns, or (the GEMM) pack its blocks straight
  // from the input.
  const bool pointwise = isPointwise(g);
  const bool strided = g.strides[0] != 1 || g.strides[1] != 1;
  const int64_t K = g.Cg * g.KH * g.KW;
  if (kernel == ConvKernel::Narrow) { // group 1: K = C * KH * KW
    const PackedA &pack = narrowWeights(w, g, cache, local);
    Epilogue ep;
    ep.rowBias = bias;
    ep.clamp = clamp;
    ep.accumulate = overResidual;
    if (pointwise && !strided) { // the input is B, read in place (threads: row panels)
      for (int64_t n = 0; n < g.N; ++n) {
        ep.addend = addend ? addend + n * g.M * P : nullptr;
        sgemmNarrow(pack, x.data() + n * K * P, P, P, yp + n * g.M * P, P, ep);
      }
      return y;
    }
    // Otherwise each thread builds the im2col matrix's columns for a range of output
    // pixels and computes them for every output channel. Split by output channels,
    // each thread would read the whole matrix, half of it just written by the other
    // core (SqueezeNet's 13x13 64 -> 256 3x3 at 2 threads 0.287 -> 0.255 ms, ResNet's
    // 28x28 -> 14x14 0.653 -> 0.590); a 1x1 reading its input in place measured
    // faster split by output channels.
    const int64_t T = threadCount();
    parallelFor(g.N * T, [&](int64_t job) {
      const int64_t n = job / T, t = job % T;
      // Equal ranges of pixels (the narrow GEMM splits any range into equal tiles).
      const int64_t q0 = P * t / T, q1 = P * (t + 1) / T;
      if (q1 <= q0)
        return;
      thread_local std::vector<float> columns;
      columns.resize((size_t)(K * (q1 - q0)));
      im2colPixels(x.data() + n * g.C * g.H * g.W, g, q0, q1, columns.data(), q1 - q0);
      Epilogue range = ep;
      range.addend = addend ? addend + n * g.M * P + q0 : nullptr;
      // (Inside a job the GEMM runs its row panels on this thread.)
      sgemmNarrow(pack, columns.data(), q1 - q0, q1 - q0, yp + n * g.M * P + q0, P, range);
    });
    return y;
  }
  // The GEMM's B: a strided 1x1 reads its materialized im2col matrix (its subsampled
  // input, a fraction of the products' cost).
  std::vector<float> columns; // the im2col matrices [N, C, P]
  const float *dense = x.data();
  if (pointwise && strided) {
    columns.resize((size_t)(g.N * g.C * P));
    im2col(x.data(), g, columns.data());
    dense = columns.data();
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
      ep.accumulate = overResidual;
      sgemm(packs[gi], bm, P, yp + (n * g.M + gi * g.Mg) * P, P, ep);
    }
  return y;
}

} // namespace fast
} // namespace rt
} // namespace sepnn
