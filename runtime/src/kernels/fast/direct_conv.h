// Grouped convolutions with few channels per group (ResNeXt's 32 groups of 4 to 32
// channels), dense ones with few input or output channels (a network's stem, on the 3
// colour planes; MobileNet's 16- to 32-channel projections) and strided ones (ResNet's
// downsampling 3x3s), as a direct convolution on phase planes (phase_planes.h).
// Through the GEMM, their im2col blocks are packed for a handful of output rows or of
// taps, so packing costs as much as the multiply-adds, or packing strided taps is
// slow; here the B operand is read in place:
// tap k of output q of the group is planes[offset[k] + q], the same register-blocked
// multiply-adds as the GEMM's micro-kernel with no packing of the input at all.
#ifndef SEPNN_RT_FAST_DIRECT_CONV_H
#define SEPNN_RT_FAST_DIRECT_CONV_H

#include "kernels/fast/fast.h"

#include <functional>

namespace sepnn {
namespace rt {
namespace fast {

// One packed matrix per group, K-major: element (m, k) at k * Mg + m (a tap's weights
// for the group's output channels consecutive), packed once into `cache` (kDirectForm).
const std::vector<PackedA> &kMajorWeights(const TensorData &w, const kernels::ConvGeometry &g,
                                          PackCache &cache, std::vector<PackedA> &local);

// A grouped convolution (not depthwise), a strided one (not 1x1), or one with at
// most 4 input channels or 32 output channels, whose
// groups have few enough output channels for one pass over their planes, with
// strides the phase planes handle.
bool directConvApplies(const kernels::ConvGeometry &g);

// Receives a tile of output channels, complete: image n's channels [m, m + rows),
// `planes` [rows, OH * OW] (valid during the call only).
using RowTileSink =
    std::function<void(int64_t n, int64_t m, int64_t rows, const float *planes)>;

// Whether directConv writes its output a tile of output channels at a time, each tile
// over the whole plane (the group's input planes fit in L2): then it can hand the
// tiles to a RowTileSink.
bool directConvRowTiles(const kernels::ConvGeometry &g);

// y [N, M, OH, OW] = clamp(conv(x, w) + bias); g as directConvApplies accepted. With
// `sink` (only where directConvRowTiles), each tile of output channels goes to it,
// from a per-thread buffer, instead of to y (null then).
void directConv(const TensorData &x, const TensorData &w, const float *bias,
                const kernels::ConvGeometry &g, PackCache &cache, const Clamp &clamp,
                float *y, const RowTileSink *sink = nullptr);

} // namespace fast
} // namespace rt
} // namespace sepnn

#endif
