// One vector type for the fast kernels, from GCC/clang vector extensions: the same
// source compiles to AVX-512, AVX2/FMA or SSE on x86-64 and to NEON on aarch64,
// depending on the target the runtime is built for (the host's, -march=native, by
// default; see runtime/CMakeLists.txt). Files using it are built with
// -ffp-contract=fast so that `acc += a * b` becomes one fused multiply-add.
#ifndef SEPNN_RT_FAST_SIMD_H
#define SEPNN_RT_FAST_SIMD_H

#include <algorithm>
#include <cstdint>
#include <limits>
#include <utility>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#elif defined(__ARM_NEON)
#include <arm_neon.h>
#endif

namespace sepnn {
namespace rt {
namespace fast {

#if defined(__AVX512F__)
constexpr int kVec = 16;
#elif defined(__AVX__)
constexpr int kVec = 8;
#else // SSE2 (x86-64 baseline) or NEON (aarch64 baseline)
constexpr int kVec = 4;
#endif

// Floats per cache line (64 bytes on every target sepnn builds for).
constexpr int64_t kCacheLineFloats = 16;

typedef float VFloat __attribute__((vector_size(kVec * sizeof(float))));
// The same vector at float alignment, for loads and stores at any float address.
typedef float VFloatU __attribute__((vector_size(kVec * sizeof(float)), aligned(4)));

inline VFloat load(const float *p) { return *reinterpret_cast<const VFloatU *>(p); }
inline void store(float *p, VFloat v) { *reinterpret_cast<VFloatU *>(p) = v; }
// A broadcast. Spelled with the target's intrinsic: `VFloat{} + x` costs an extra
// scalar add (of +0.0, which the compiler must keep) before the broadcast.
inline VFloat splat(float x) {
#if defined(__AVX512F__)
  return (VFloat)_mm512_set1_ps(x);
#elif defined(__AVX__)
  return (VFloat)_mm256_set1_ps(x);
#elif defined(__SSE2__)
  return (VFloat)_mm_set1_ps(x);
#elif defined(__ARM_NEON)
  return (VFloat)vdupq_n_f32(x);
#else
  VFloat v;
  for (int i = 0; i < kVec; ++i)
    v[i] = x;
  return v;
#endif
}
// Partial vectors, for a row's last elements: nothing outside the named lanes'
// addresses is touched (the next bytes may belong to another thread or to no
// mapping).
// The first n floats at p (all kVec when n >= kVec, none when n <= 0), `fill` in the
// other lanes.
inline VFloat loadUpTo(const float *p, int64_t n, float fill = 0.0f) {
  if (n >= kVec)
    return load(p);
#if defined(__AVX512F__)
  return (VFloat)_mm512_mask_loadu_ps(_mm512_set1_ps(fill),
                                      (__mmask16)((1u << std::max<int64_t>(n, 0)) - 1), p);
#else
  VFloat v;
  for (int64_t i = 0; i < kVec; ++i)
    v[i] = i < n ? p[i] : fill;
  return v;
#endif
}
// Lanes [first, first + n) of v stored at p + first, ... (p itself may lie before the
// row).
inline void storeLanes(float *p, VFloat v, int64_t first, int64_t n) {
#if defined(__AVX512F__)
  _mm512_mask_storeu_ps(p, (__mmask16)(((1u << n) - 1) << first), (__m512)v);
#else
  for (int64_t i = first; i < first + n; ++i)
    p[i] = v[i];
#endif
}
// The first n (at most kVec) lanes of v stored at p.
inline void storePartial(float *p, VFloat v, int64_t n) { storeLanes(p, v, 0, n); }

inline VFloat vmax(VFloat a, VFloat b) { return a > b ? a : b; }
inline VFloat vmin(VFloat a, VFloat b) { return a < b ? a : b; }

// Lane shuffles of the 2 * kVec values a then b (a's lanes first):
namespace detail {
template <size_t... I> VFloat evenLanes(VFloat a, VFloat b, std::index_sequence<I...>) {
  return __builtin_shufflevector(a, b, (2 * I)...);
}
template <size_t... I> VFloat oddLanes(VFloat a, VFloat b, std::index_sequence<I...>) {
  return __builtin_shufflevector(a, b, (2 * I + 1)...);
}
template <size_t From, size_t... I>
VFloat window(VFloat a, VFloat b, std::index_sequence<I...>) {
  return __builtin_shufflevector(a, b, (From + I)...);
}
} // namespace detail
// Lanes 0, 2, 4, ...: a stride-2 load from two contiguous ones.
inline VFloat evenLanes(VFloat a, VFloat b) {
  return detail::evenLanes(a, b, std::make_index_sequence<kVec>{});
}
// Lanes 1, 3, 5, ...
inline VFloat oddLanes(VFloat a, VFloat b) {
  return detail::oddLanes(a, b, std::make_index_sequence<kVec>{});
}
// Lanes kVec - 1 ... 2 * kVec - 2: b moved up one lane, a's last lane first (the
// values one column to the left of b's, a the vector before b).
inline VFloat previousColumn(VFloat a, VFloat b) {
  return detail::window<kVec - 1>(a, b, std::make_index_sequence<kVec>{});
}
// Lanes 1 ... kVec: a moved down one lane, b's first lane last (one column right).
inline VFloat nextColumn(VFloat a, VFloat b) {
  return detail::window<1>(a, b, std::make_index_sequence<kVec>{});
}

// In place: rows[i][j] <-> rows[j][i] for a kVec x kVec block of vectors. log2(kVec)
// butterfly stages; stage d swaps the off-diagonal d x d blocks of every 2d x 2d block.
namespace detail {
template <int D, size_t... J>
void swapBlocks(VFloat &a, VFloat &b, std::index_sequence<J...>) {
  const VFloat lo = __builtin_shufflevector(a, b, ((J & D) == 0 ? J : kVec + J - D)...);
  const VFloat hi = __builtin_shufflevector(a, b, ((J & D) == 0 ? J + D : kVec + J)...);
  a = lo;
  b = hi;
}
template <int D> void transposeStage(VFloat *rows) {
  for (int i = 0; i < kVec; ++i)
    if ((i & D) == 0)
      swapBlocks<D>(rows[i], rows[i + D], std::make_index_sequence<kVec>{});
  if constexpr (D * 2 < kVec)
    transposeStage<D * 2>(rows);
}
} // namespace detail
inline void transpose(VFloat *rows) { detail::transposeStage<1>(rows); }

// dst[j] = src[j * stride] for j < n: whole vectors for strides 1 and 2 (the even lanes
// of two loads), partial ones at the end, never reading past src[(n - 1) * stride].
inline void copyStrided(const float *src, int64_t stride, int64_t n, float *dst) {
  int64_t j = 0;
  if (stride == 1) {
    for (; j + kVec <= n; j += kVec)
      store(dst + j, load(src + j));
    if (j < n)
      storePartial(dst + j, loadUpTo(src + j, n - j), n - j);
  } else if (stride == 2) {
    // Whole loads while they end before the last element read, src[2 (n - 1)].
    for (; j + kVec < n; j += kVec)
      store(dst + j, evenLanes(load(src + 2 * j), load(src + 2 * j + kVec)));
    if (j < n) {
      const int64_t span = 2 * (n - j) - 1; // floats from src + 2j to the last one
      storePartial(dst + j,
                   evenLanes(loadUpTo(src + 2 * j, span), loadUpTo(src + 2 * j + kVec, span - kVec)),
                   n - j);
    }
  } else {
    for (; j < n; ++j)
      dst[j] = src[j * stride];
  }
}

// The range outputs are clamped to after the bias: ReLU is [0, +inf), ReLU6 [0, 6]; the
// default clamps nothing.
struct Clamp {
  float lo = -std::numeric_limits<float>::infinity();
  float hi = std::numeric_limits<float>::infinity();
  bool active() const {
    return lo > -std::numeric_limits<float>::infinity() ||
           hi < std::numeric_limits<float>::infinity();
  }
  float operator()(float v) const { return std::min(std::max(v, lo), hi); }
  VFloat operator()(VFloat v) const { return vmin(vmax(v, splat(lo)), splat(hi)); }
  static Clamp relu() { return Clamp{0.0f, std::numeric_limits<float>::infinity()}; }
};

// Register tile of the GEMM micro-kernel: kMR rows of A (broadcast) times kNR
// columns of B (two vectors), kMR * 2 accumulators kept in registers: 24 of the 32
// zmm registers with AVX-512, 12 of the 16 ymm/xmm registers with AVX2 or SSE, 16 of
// the 32 NEON registers.
#if defined(__AVX512F__)
constexpr int kMR = 12;
#elif defined(__aarch64__)
constexpr int kMR = 8;
#else
constexpr int kMR = 6;
#endif
constexpr int kNR = 2 * kVec;

} // namespace fast
} // namespace rt
} // namespace sepnn

#endif
