// Packed, register-blocked single-precision GEMM: C[M,N] = A[M,K] * B[K,N], with a
// per-row bias, an optional ReLU and optional accumulation into C fused into the
// stores. A is the weights side, packed once (PackedA) and reused by every
// inference; B (activations, an im2col matrix) is packed block by block on the fly.
// Blocking follows the BLIS scheme: a kMR x kNR micro-kernel (simd.h) over a KC-deep
// slice, the A sliver kept in L1 while B slivers stream from an L2-sized block.
#ifndef SEPNN_RT_FAST_SGEMM_H
#define SEPNN_RT_FAST_SGEMM_H

#include "kernels/fast/simd.h"

#include <cstdint>
#include <vector>

namespace sepnn {
namespace rt {
namespace fast {

// A in panels of kMR rows (the last zero-padded); within a panel, K steps of kMR
// consecutive values. Element (m, k) comes from a[m * rowStride + k * colStride],
// scaled by `scale`.
struct PackedA {
  int64_t M = 0, K = 0;
  std::vector<float> data;
};
PackedA packA(const float *a, int64_t M, int64_t K, int64_t rowStride, int64_t colStride,
              float scale = 1.0f);

struct Epilogue {
  const float *rowBias = nullptr; // bias[m] added to row m, or null
  // A matrix laid out like C (same row stride) added after the bias (a residual
  // connection), or null.
  const float *addend = nullptr;
  Clamp clamp;                    // after the bias and the addend
  bool accumulate = false;        // C += A*B instead of C = A*B
};

// The im2col matrix of a convolution's input image (channels [C, H, W]), never
// materialized: row (c, kh, kw), column (oh, ow) holds the input under that tap (0 in
// the padding). The GEMM packs its B blocks straight from the image.
struct ConvPatches {
  const float *image;
  int64_t C, H, W, KH, KW, OH, OW;
  int64_t strideH, strideW, dilationH, dilationW, padTop, padLeft;
};

// The B operand: a dense row-major [K, N] matrix (row stride ldb), patches, or a
// matrix its producer already wrote in the GEMM's packed layout (prepackedIndex).
struct BMatrix {
  const float *dense = nullptr;
  int64_t ldb = 0;
  const ConvPatches *patches = nullptr;
  const float *prepacked = nullptr;
};

// Where element (k, n) of a prepacked [K, N] B lives: panels of kNR columns (the last
// zero-padded), each K rows of kNR values. prepackedSize floats in all.
inline int64_t prepackedIndex(int64_t K, int64_t k, int64_t n) {
  return n / kNR * K * kNR + k * kNR + n % kNR;
}
inline int64_t prepackedSize(int64_t K, int64_t N) {
  return (N + kNR - 1) / kNR * K * kNR;
}

// C (row stride ldc) = epilogue(A * B), B [K, N]. Runs on threadCount() threads
// (parallel.h), each computing whole tiles.
void sgemm(const PackedA &a, const BMatrix &b, int64_t N, float *c, int64_t ldc,
           const Epilogue &ep);
inline void sgemm(const PackedA &a, const float *b, int64_t ldb, int64_t N, float *c,
                  int64_t ldc, const Epilogue &ep) {
  BMatrix m;
  m.dense = b;
  m.ldb = ldb;
  sgemm(a, m, N, c, ldc, ep);
}

} // namespace fast
} // namespace rt
} // namespace sepnn

#endif
