// How long the runtime's fast kernels take for one shard of a Conv or Gemm,
// from how they compute it (runtime/src/kernels/fast): a packed GEMM whose
// micro-kernel works on mr x nr tiles (a 12-row tile computes 12 rows even
// for 4), the packing of its B matrix (the im2col patches, or the input
// itself for a 1x1 conv), Winograd F(4x4,3x3) for the 3x3 convolutions it
// takes (36 GEMMs plus the input and output transforms), a direct loop for
// depthwise, a weights-streaming matrix-vector product for batch-1 Gemm.
// A flat GFLOP/s figure per op class cannot see any of this: it missed a
// resnet18 split by output channels by 2x, because both devices pack the
// whole im2col matrix and only the GEMM is shared.
#ifndef SEPNN_LIB_SEARCH_KERNELMODEL_H
#define SEPNN_LIB_SEARCH_KERNELMODEL_H

#include "sepnn/Support/Cluster.h"

#include <cstdint>
#include <optional>

namespace mlir::sepnn {

/// The parameters `sepnn profile` measures (per second: FLOPs, floats,
/// values, bytes) and the micro-kernel's tile.
struct KernelProfile {
  double gemmFlops, im2colFloats, denseFloats, winogradValues, gemvBytes,
      depthwiseFlops;
  int64_t mr, nr;
  /// The device's parameters, if its profile has them all.
  static std::optional<KernelProfile> of(const ClusterDevice &device);
};

/// One device's shard of a convolution: output channels M, input channels C
/// (both in all), output rows and columns.
struct ConvShape {
  int64_t batch = 1, M, C, group, KH, KW, OH, OW, strideH, strideW, dilationH,
      dilationW;
  bool padded; // any padding
};

double convSeconds(const KernelProfile &p, const ConvShape &s);

/// A Gemm [rows, K] x [K, N] (weights [K, N]).
double gemmSeconds(const KernelProfile &p, int64_t rows, int64_t K, int64_t N);

} // namespace mlir::sepnn

#endif
