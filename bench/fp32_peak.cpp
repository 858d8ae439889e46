// FP32 peak of this machine, measured: a loop of independent fused multiply-adds
// on the widest vectors the compiler targets (-march=native), on 1..T threads.
// Used by bench/runtime_speed.py as the denominator of "% of peak".
//
// Build: g++ -O2 -march=native -ffp-contract=fast -pthread fp32_peak.cpp -o fp32_peak
// Usage: fp32_peak [THREADS...]      (default: 1)
// Prints one JSON object per line: {"threads": T, "gflops": G, "vector_bits": B}.
//
// Counting: one FMA on a vector of L floats is 2*L FLOPs. CHAINS independent
// accumulators hide the FMA latency (4-5 cycles on current x86 and Arm cores,
// 2 FMA pipes: 8-10 FMAs in flight are needed; 16 are used).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#if defined(__AVX512F__)
constexpr int kBytes = 64;
#elif defined(__AVX__) || defined(__ARM_NEON) || defined(__SSE__)
constexpr int kBytes = 32; // two 128-bit registers on NEON/SSE: still independent FMAs
#else
constexpr int kBytes = 16;
#endif
typedef float vec __attribute__((vector_size(kBytes)));
constexpr int kLanes = kBytes / (int)sizeof(float);
constexpr int kChains = 16;

// Runs `iters` iterations of kChains FMAs; returns a value that depends on all of
// them so the compiler keeps the work.
__attribute__((noinline)) float fmaLoop(long iters, float seed) {
  vec acc[kChains];
  vec b, c;
  for (int l = 0; l < kLanes; ++l) {
    b[l] = 0.999999f + seed * 1e-9f; // |b| < 1 and c small: no overflow, no denormals
    c[l] = 1e-6f;
  }
  for (int k = 0; k < kChains; ++k)
    for (int l = 0; l < kLanes; ++l)
      acc[k][l] = seed + k + l;
  for (long i = 0; i < iters; ++i) {
    // Keep b and c in registers but opaque to the optimizer.
    asm volatile("" : "+x"(b), "+x"(c));
#pragma GCC unroll 16
    for (int k = 0; k < kChains; ++k)
      acc[k] = acc[k] * b + c;
  }
  vec s = acc[0];
  for (int k = 1; k < kChains; ++k)
    s += acc[k];
  float r = 0;
  for (int l = 0; l < kLanes; ++l)
    r += s[l];
  return r;
}

static double seconds(long iters, int threads, float *sink) {
  std::vector<std::thread> pool;
  std::vector<float> out(threads);
  auto t0 = std::chrono::steady_clock::now();
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] { out[t] = fmaLoop(iters, (float)t); });
  for (auto &th : pool)
    th.join();
  auto t1 = std::chrono::steady_clock::now();
  for (float v : out)
    *sink += v;
  return std::chrono::duration<double>(t1 - t0).count();
}

int main(int argc, char **argv) {
  std::vector<int> threads;
  for (int i = 1; i < argc; ++i)
    threads.push_back(std::max(1, std::atoi(argv[i])));
  if (threads.empty())
    threads.push_back(1);
  float sink = 0;
  // Calibrate: about 0.2 s per trial on one thread.
  long iters = 1 << 16;
  while (seconds(iters, 1, &sink) < 0.05)
    iters *= 2;
  iters *= 4;
  for (int t : threads) {
    double best = 1e30;
    for (int trial = 0; trial < 5; ++trial)
      best = std::min(best, seconds(iters, t, &sink));
    double flops = 2.0 * kLanes * kChains * (double)iters * t;
    std::printf("{\"threads\": %d, \"gflops\": %.2f, \"vector_bits\": %d}\n", t,
                flops / best / 1e9, kBytes * 8);
  }
  std::fprintf(stderr, "(checksum %g)\n", (double)sink);
  return 0;
}
