// Depthwise convolution (one input and one output channel per group), vectorized for
// any stride, dilation and padding: each channel's input is first copied into zero-
// padded phase planes (one per (row, column) phase of the stride), where every tap of
// every output is a constant shift of the output's flat index; the whole plane is then
// one loop of full vectors with no bounds checks, narrow rows and edges included.
#ifndef SEPNN_RT_FAST_DEPTHWISE_H
#define SEPNN_RT_FAST_DEPTHWISE_H

#include "kernels/fast/simd.h"
#include "kernels/kernels.h"

namespace sepnn {
namespace rt {
namespace fast {

// y [N, C, OH, OW] = clamp(depthwise(x, w) + bias); g.Cg == g.Mg == 1.
void depthwise(const float *x, const float *w, const float *bias,
               const kernels::ConvGeometry &g, const Clamp &clamp, float *y);

} // namespace fast
} // namespace rt
} // namespace sepnn

#endif
