// GEMM for narrow B (few columns: the 14x14 and 7x7 pixels of a network's last
// stages), vectorized along M instead of N. The main GEMM (sgemm.h) puts output
// columns in vector lanes: 49 columns fill 64 lanes there, 196 fill 224. Here a
// register tile is kNR rows of A (two vectors, packed once) by up to 14 columns of B
// with AVX-512, kMR elsewhere (broadcast straight from the dense matrix, no packing),
// stored transposed into C; a row's columns split into tiles of equal width.
#ifndef SEPNN_RT_FAST_SGEMM_NARROW_H
#define SEPNN_RT_FAST_SGEMM_NARROW_H

#include "kernels/fast/sgemm.h"

namespace sepnn {
namespace rt {
namespace fast {

// A [M, K] (element (m, k) at a[m * K + k]) in panels of kNR rows (the last
// zero-padded), each K steps of kNR consecutive values.
PackedA packANarrow(const float *a, int64_t M, int64_t K);

// Whether sgemmNarrow computes fewer padding lanes than sgemm for these sizes.
bool narrowPays(int64_t M, int64_t N);

// C (row stride ldc) = epilogue(A * B), B dense [K, N] with row stride ldb, A packed by
// packANarrow. Runs on threadCount() threads, each computing whole row panels.
void sgemmNarrow(const PackedA &a, const float *b, int64_t ldb, int64_t N, float *c,
                 int64_t ldc, const Epilogue &ep);

} // namespace fast
} // namespace rt
} // namespace sepnn

#endif
