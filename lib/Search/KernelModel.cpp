#include "KernelModel.h"

using namespace mlir::sepnn;

std::optional<KernelProfile> KernelProfile::of(const ClusterDevice &device) {
  auto get = [&](const char *key) -> std::optional<double> {
    auto it = device.profile.find(key);
    if (it == device.profile.end())
      return std::nullopt;
    return it->second;
  };
  auto gemm = get("gemm_gflops"), im2col = get("im2col_gfloats"),
       dense = get("dense_gfloats"), winograd = get("winograd_gvalues"),
       gemv = get("gemv_gbps"), depthwise = get("depthwise"), mr = get("mr"),
       nr = get("nr");
  if (!gemm || !im2col || !dense || !winograd || !gemv || !depthwise || !mr || !nr)
    return std::nullopt;
  return KernelProfile{*gemm * 1e9,     *im2col * 1e9,    *dense * 1e9,
                       *winograd * 1e9, *gemv * 1e9,      *depthwise * 1e9,
                       int64_t(*mr),    int64_t(*nr)};
}

static int64_t roundUp(int64_t n, int64_t to) { return (n + to - 1) / to * to; }

/// The micro-kernel's time for [M, K] x [K, N]: whole tiles, as it computes them.
static double tileSeconds(const KernelProfile &p, int64_t M, int64_t K, int64_t N) {
  return 2.0 * roundUp(M, p.mr) * K * roundUp(N, p.nr) / p.gemmFlops;
}

/// Reading an op's packed weights [M, K] once: an inference touches every weight
/// once, more than the caches hold, so they come from memory at the streaming
/// rate (this is what makes the big-weight layers of a network's tail slower
/// than their FLOPs say).
static double weightSeconds(const KernelProfile &p, int64_t M, int64_t K) {
  return 4.0 * M * K / p.gemvBytes;
}

double mlir::sepnn::convSeconds(const KernelProfile &p, const ConvShape &s) {
  const int64_t Mg = s.M / s.group, Cg = s.C / s.group, pixels = s.OH * s.OW;
  // The runtime's dispatch (runtime/src/kernels/fast/conv_fast.cpp, winograd.cpp).
  if (Cg == 1 && Mg == 1)
    return s.batch * 2.0 * s.M * s.KH * s.KW * pixels / p.depthwiseFlops;
  const bool unit = s.strideH == 1 && s.strideW == 1 && s.dilationH == 1 &&
                    s.dilationW == 1;
  const int64_t tiles = ((s.OH + 3) / 4) * ((s.OW + 3) / 4);
  if (s.KH == 3 && s.KW == 3 && s.group == 1 && unit && s.C >= 16 && s.M >= 16 &&
      tiles >= 16)
    return s.batch * (36 * tileSeconds(p, s.M, s.C, tiles) +
                      36.0 * (s.C + s.M) * tiles / p.winogradValues) +
           weightSeconds(p, 36 * s.M, s.C);
  const int64_t K = Cg * s.KH * s.KW;
  const bool direct = s.KH == 1 && s.KW == 1 && unit && !s.padded;
  const double packing = double(K) * pixels / (direct ? p.denseFloats : p.im2colFloats);
  return s.batch * s.group * (tileSeconds(p, Mg, K, pixels) + packing) +
         weightSeconds(p, s.M, K);
}

double mlir::sepnn::gemmSeconds(const KernelProfile &p, int64_t rows, int64_t K,
                                int64_t N) {
  // runtime/src/kernels/fast/gemm_fast.cpp: up to 4 rows, a matrix-vector
  // product that streams the weights once.
  if (rows <= 4)
    return 4.0 * K * N / p.gemvBytes;
  return tileSeconds(p, rows, K, N) + double(K) * N / p.denseFloats;
}
