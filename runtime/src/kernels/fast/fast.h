// The fast kernels the ABI runs: same semantics and errors as the reference kernels
// (kernels.h), which stay as their oracle (runtime/tests/fast_kernels_test.cpp).
#ifndef SEPNN_RT_FAST_FAST_H
#define SEPNN_RT_FAST_FAST_H

#include "kernels/fast/sgemm.h"
#include "kernels/kernels.h"

#include <functional>
#include <map>
#include <tuple>

namespace sepnn {
namespace rt {
namespace fast {

// Weights packed for the GEMM, kept across inferences. Only weights inside the
// read-only weights mapping [stableBegin, stableEnd) are cached, keyed by address and
// layout: their values never change, unlike a tensor computed during an inference.
struct PackCache {
  const void *stableBegin = nullptr, *stableEnd = nullptr;
  // The stable range is a read-only mapping of weights.bin: once a weight is packed,
  // the pages holding only its original values are given back to the kernel (they
  // would be read again from the file if anything did), so a device holds each conv
  // weight once, packed, instead of twice.
  bool fileBacked = false;
  // (weights address, M, K, group, form) -> the packed matrices: one per group (form
  // kGemmForm), the 36 transformed ones of winograd.h (kWinogradForm), or one K-major
  // matrix per group (direct_conv.h, kDirectForm), or one packed for sgemmNarrow
  // (sgemm_narrow.h, kNarrowForm)
  using Key = std::tuple<const float *, int64_t, int64_t, int64_t, int>;
  std::map<Key, std::vector<PackedA>> packed;
  std::vector<float> winogradInput, winogradOutput; // transformed tiles, reused

  bool stable(const float *p) const {
    return stableBegin && (const void *)p >= stableBegin && (const void *)p < stableEnd;
  }
  // Gives back the whole pages of [p, p + n) when fileBacked.
  void dropOriginal(const float *p, int64_t n) const;
  // The packed matrices of weights w: built by `build` once and kept when w is stable
  // (its original pages then dropped), else built into `local` at every call.
  const std::vector<PackedA> &
  packedOnce(const Key &key, const TensorData &w, std::vector<PackedA> &local,
             const std::function<void(std::vector<PackedA> &)> &build);
};

enum { kGemmForm, kWinogradForm, kDirectForm, kNarrowForm };

// The kernel conv() runs for a convolution of geometry g (see conv below).
// A 1x1 convolution without padding: its input is its im2col matrix (subsampled when
// strided), which the kernels read in place at stride 1.
inline bool isPointwise(const kernels::ConvGeometry &g) {
  return g.KH == 1 && g.KW == 1 && g.pads[0] == 0 && g.pads[1] == 0 && g.pads[2] == 0 &&
         g.pads[3] == 0;
}

enum class ConvKernel { Depthwise, Lanes, Direct, Winograd, Narrow, Gemm };
ConvKernel convKernel(const kernels::ConvGeometry &g);
const char *convKernelName(ConvKernel k);

// Conv as kernels::conv, plus `residual` (a tensor of the output's shape, or null:
// a fused residual connection), the sum clamped (a fused ReLU or ReLU6); with `into`,
// the output is written there and the result is a view of it. Dense
// convolutions run as a packed GEMM over the im2col matrix (packed straight from the
// input), Winograd's (3x3), or the narrow GEMM (small planes, sgemm_narrow.h);
// grouped ones on small planes with output channels in vector lanes (lanes_conv.h),
// other grouped, strided and thin ones on phase planes (direct_conv.h); depthwise ones on
// depthwise.h's loops.
TensorData conv(const TensorData &x, const TensorData &w, const TensorData *b,
                const kernels::Ints &pads, const kernels::Ints &strides,
                const kernels::Ints &dilations, int64_t group, PackCache &cache,
                const Clamp &clamp = Clamp{}, const TensorData *residual = nullptr,
                float *into = nullptr);

// MaxPool(conv(...)) (pool: kernel, pads, strides, dilations, ceil mode as maxPool's),
// conv as conv() without residual. Where the conv runs a tile of output channels at a
// time over its whole plane (a stem), each tile is pooled as soon as it is complete,
// while it is in cache: the conv's output never goes to memory. Otherwise the conv,
// then the pool.
TensorData convMaxPool(const TensorData &x, const TensorData &w, const TensorData *b,
                       const kernels::Ints &pads, const kernels::Ints &strides,
                       const kernels::Ints &dilations, int64_t group, PackCache &cache,
                       const Clamp &clamp, const kernels::Ints &poolKernel,
                       const kernels::Ints &poolPads, const kernels::Ints &poolStrides,
                       const kernels::Ints &poolDilations, int64_t ceilMode);

// Concat as kernels::concat (the same checks), its copies in parallel.
TensorData concat(const std::vector<const TensorData *> &parts, int64_t axis);
// Gemm as kernels::gemm: a vectorized matrix-vector product when A has few rows (batch
// 1 fully connected layers), packed GEMM otherwise.
TensorData gemm(const TensorData &a, const TensorData &b, const TensorData *c,
                double alpha, double beta, int64_t transA, int64_t transB);

// MaxPool as kernels::maxPool (same checks and errors, same NaN rule).
TensorData maxPool(const TensorData &x, const kernels::Ints &kernel,
                   const kernels::Ints &pads, const kernels::Ints &strides,
                   const kernels::Ints &dilations, int64_t ceilMode);

// Whether maxPoolPlanes takes pools of this geometry (the networks' 3x3 stride 2).
bool maxPoolPlanesApplies(const kernels::PoolGeometry &g);
// The pool of `count` consecutive [H, W] planes of x into as many [OH, OW] planes of
// y, on the calling thread (writing nothing past them).
void maxPoolPlanes(const float *x, int64_t count, const kernels::PoolGeometry &g, float *y);

// GlobalAveragePool as kernels::globalAveragePool (double sums, summed in another
// order: equal within float rounding).
TensorData globalAveragePool(const TensorData &x);

} // namespace fast
} // namespace rt
} // namespace sepnn

#endif
