// Winograd F(4x4, 3x3) convolution (Lavin and Gray, 2015): 3x3 stride-1 convolutions
// as 36 GEMMs over 6x6 transformed input tiles, 4x fewer multiplications than the
// direct GEMM (2.25 per output and input channel instead of 9), at the cost of
// transforming inputs, weights (once, cached) and outputs.
#ifndef SEPNN_RT_FAST_WINOGRAD_H
#define SEPNN_RT_FAST_WINOGRAD_H

#include "kernels/fast/fast.h"

namespace sepnn {
namespace rt {
namespace fast {

// A dense 3x3 convolution with stride and dilation 1, with enough channels and output
// tiles for the transforms to pay off.
bool winogradApplies(const kernels::ConvGeometry &g);

// y [N, M, OH, OW] = clamp(conv(x, w) + bias); g as winogradApplies accepted.
void winogradConv(const TensorData &x, const TensorData &w, const float *bias,
                  const kernels::ConvGeometry &g, PackCache &cache, const Clamp &clamp,
                  float *y);

} // namespace fast
} // namespace rt
} // namespace sepnn

#endif
