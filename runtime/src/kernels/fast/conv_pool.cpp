// Conv and the max pool after it in one call (ABI 6 conv_max_pool): a network's stem
// writes a 1.6-3 MiB output that the pool reads right after, both from memory. When
// the conv goes a tile of output channels at a time (direct_conv.h's row tiles), each
// tile's planes are pooled while they are in the thread's cache, and only the pooled
// planes are stored.
#include "kernels/fast/direct_conv.h"
#include "kernels/fast/fast.h"

namespace sepnn {
namespace rt {
namespace fast {

TensorData convMaxPool(const TensorData &x, const TensorData &w, const TensorData *b,
                       const kernels::Ints &pads, const kernels::Ints &strides,
                       const kernels::Ints &dilations, int64_t group, PackCache &cache,
                       const Clamp &clamp, const kernels::Ints &poolKernel,
                       const kernels::Ints &poolPads, const kernels::Ints &poolStrides,
                       const kernels::Ints &poolDilations, int64_t ceilMode) {
  const kernels::ConvGeometry g =
      kernels::convGeometry(x, w, b, pads, strides, dilations, group);
  const kernels::PoolGeometry pg = kernels::maxPoolGeometry(
      Shape{g.N, g.M, g.OH, g.OW}, poolKernel, poolPads, poolStrides, poolDilations,
      ceilMode);
  if (convKernel(g) != ConvKernel::Direct || !directConvRowTiles(g) ||
      !maxPoolPlanesApplies(pg))
    return maxPool(conv(x, w, b, pads, strides, dilations, group, cache, clamp), poolKernel,
                   poolPads, poolStrides, poolDilations, ceilMode);
  TensorData y = TensorData::uninit({g.N, g.M, pg.OH, pg.OW});
  float *yp = y.mut();
  const RowTileSink pool = [&](int64_t n, int64_t m, int64_t rows, const float *planes) {
    maxPoolPlanes(planes, rows, pg, yp + (n * g.M + m) * pg.OH * pg.OW);
  };
  directConv(x, w, b ? b->data() : nullptr, g, cache, clamp, nullptr, &pool);
  return y;
}

} // namespace fast
} // namespace rt
} // namespace sepnn
