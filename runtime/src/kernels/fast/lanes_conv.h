// Grouped convolutions on small planes with output channels in the vector lanes:
// ResNeXt's 32 groups of 16 and 32 channels on 14x14 and 7x7 planes. The direct
// convolution (direct_conv.h) puts a plane's outputs in the lanes: a 14-wide row fills
// 14 of 16 lanes, a 7-wide one 7, and its rows of padding are computed too. Here a
// register tile is up to 14 outputs along one output row, each the group's Mg output
// channels (one, two or four vectors): every step of K (input channel, tap) loads the
// tap's weights for the Mg channels once and multiplies them by each output's input,
// broadcast. No lane is wasted; the group's outputs are transposed into their planes
// at the end.
#ifndef SEPNN_RT_FAST_LANES_CONV_H
#define SEPNN_RT_FAST_LANES_CONV_H

#include "kernels/fast/fast.h"

namespace sepnn {
namespace rt {
namespace fast {

// A grouped convolution whose groups have 1, 2 or 4 vectors of output channels, output
// rows narrower than two vectors, and a width stride of 1 or 2.
bool lanesConvApplies(const kernels::ConvGeometry &g);

// y [N, M, OH, OW] = clamp(conv(x, w) + bias); g as lanesConvApplies accepted.
void lanesConv(const TensorData &x, const TensorData &w, const float *bias,
               const kernels::ConvGeometry &g, PackCache &cache, const Clamp &clamp,
               float *y);

} // namespace fast
} // namespace rt
} // namespace sepnn

#endif
