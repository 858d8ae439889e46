// sepnn_rt_kernel_bench: the fast kernels alone, on one thread unless SEPNN_THREADS says
// otherwise (a benchmark, not a test): GFLOP/s of the packed GEMM on cache-resident and
// convolution-sized shapes, and the time of each convolution shape of ResNet-18 (which
// kernel runs it: fast::convKernelName). Best of --repeat runs (default 30).
// docs/runtime-speed.md quotes its figures.
#include "kernels/fast/fast.h"
#include "kernels/fast/parallel.h"
#include "kernels/fast/winograd.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>

using namespace sepnn::rt;

namespace {

double bestSeconds(int repeat, const std::function<void()> &f) {
  double best = 1e30;
  for (int r = 0; r < repeat; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best = s < best ? s : best;
  }
  return best;
}

TensorData filled(const Shape &s, float v) {
  TensorData t = TensorData::uninit(s);
  for (float &x : t.own)
    x = v;
  return t;
}

} // namespace

int main(int argc, char **argv) {
  int repeat = 30;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--repeat") && i + 1 < argc) {
      repeat = std::atoi(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: %s [--repeat N]\n", argv[0]);
      return 2;
    }
  }
  try {
    std::printf("threads %d, best of %d runs\n\nGEMM (A packed once, B packed per call)\n",
                fast::threadCount(), repeat);
    const struct {
      int64_t M, K, N;
      const char *what;
    } gemms[] = {{96, 256, 512, "cache-resident"},
                 {96, 256, 64, "cache-resident"},
                 {64, 576, 3136, "ResNet 56x56 3x3 conv as GEMM"},
                 {128, 1152, 784, "ResNet 28x28 3x3 conv as GEMM"},
                 {512, 4608, 49, "ResNet 7x7 3x3 conv as GEMM"}};
    for (const auto &g : gemms) {
      TensorData a = filled({g.M, g.K}, 0.5f), b = filled({g.K, g.N}, 0.25f),
                 c = TensorData::uninit({g.M, g.N});
      const fast::PackedA pa = fast::packA(a.data(), g.M, g.K, g.K, 1);
      const double s = bestSeconds(repeat, [&] {
        fast::sgemm(pa, b.data(), g.N, g.N, c.mut(), g.N, fast::Epilogue{});
      });
      std::printf("  M %4lld K %4lld N %5lld  %7.1f GFLOP/s  (%s)\n", (long long)g.M,
                  (long long)g.K, (long long)g.N, 2.0 * g.M * g.K * g.N / s / 1e9, g.what);
    }
    std::printf("\nResNet-18 convolutions (GFLOP/s counts the direct convolution's "
                "multiply-adds)\n");
    const struct {
      int64_t c, hw, m, k, stride;
    } convs[] = {{3, 224, 64, 7, 2},   {64, 56, 64, 3, 1},   {64, 56, 128, 3, 2},
                 {128, 28, 128, 3, 1}, {128, 28, 256, 3, 2}, {256, 14, 256, 3, 1},
                 {256, 14, 512, 3, 2}, {512, 7, 512, 3, 1},  {64, 56, 128, 1, 2}};
    for (const auto &cv : convs) {
      TensorData x = filled({1, cv.c, cv.hw, cv.hw}, 0.5f),
                 w = filled({cv.m, cv.c, cv.k, cv.k}, 0.25f), b = filled({cv.m}, 0.0f);
      fast::PackCache cache; // as on a device: the weights are packed once
      cache.stableBegin = w.data();
      cache.stableEnd = w.data() + w.numel();
      const int64_t p = cv.k / 2;
      const kernels::ConvGeometry g = kernels::convGeometry(
          x, w, &b, {p, p, p, p}, {cv.stride, cv.stride}, {1, 1}, 1);
      const double s = bestSeconds(repeat, [&] {
        fast::conv(x, w, &b, {p, p, p, p}, {cv.stride, cv.stride}, {1, 1}, 1, cache);
      });
      const double flops = 2.0 * g.M * g.OH * g.OW * g.C * g.KH * g.KW;
      std::printf("  %3lldx%-3lld x%-3lld -> %-3lld %lldx%lld/%lld  %7.3f ms  %7.1f GFLOP/s  %s\n",
                  (long long)cv.hw, (long long)cv.hw, (long long)cv.c, (long long)cv.m,
                  (long long)cv.k, (long long)cv.k, (long long)cv.stride, s * 1e3,
                  flops / s / 1e9, fast::convKernelName(fast::convKernel(g)));
    }
  } catch (const std::exception &e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
