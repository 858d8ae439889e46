// Depthwise convolution (one input and one output channel per group), vectorized for
// any stride, dilation and padding, three ways:
// - 3x3 with padding 1, stride 1 or 2 (the networks' layers) on planes up to 56x56:
//   each plane (or its four stride-2 phases) staged below a zero row and run on the
//   output's flat index, whole vectors across row ends, column masks for the lanes
//   that wrap (FlatPlanes3x3);
// - the same layers on larger planes: row by row straight from the input, each
//   vector's left and right neighbours shuffled out of whole-vector loads, no copy;
// - otherwise along a channel's pixels: its input copied into zero-padded phase
//   planes (phase_planes.h), where every tap of every output is a constant shift of
//   the output's flat index; the whole plane is one loop of full vectors.
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
