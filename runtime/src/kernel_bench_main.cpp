// sepnn_rt_kernel_bench: the fast kernels alone, on one thread unless SEPNN_THREADS says
// otherwise (a benchmark, not a test): GFLOP/s of the packed GEMM on cache-resident and
// convolution-sized shapes, and the time of convolutions and pools of the zoo's
// networks (which kernel runs each: fast::convKernelName). Best of --repeat runs
// (default 30), or with --cold the median of runs that each start with cold caches.
// docs/runtime-speed.md quotes its figures.
#include "kernels/fast/fast.h"
#include "kernels/fast/parallel.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <malloc.h>
#include <vector>

using namespace sepnn::rt;

namespace {

// With --cold, every run starts with the caches holding none of its data, as in a
// network, where a layer's weights, input and output were last touched an inference
// or a few layers ago: this buffer, larger than the last-level cache, is written
// over first.
bool cold = false;
std::vector<float> evictor;

void evictCaches() {
  if (evictor.empty())
    evictor.assign((64u << 20) / sizeof(float), 0.0f);
  for (size_t i = 0; i < evictor.size(); i += 16)
    evictor[i] += 1.0f;
}

// The best of `repeat` runs, or with --cold their median (cold runs vary more).
double measuredSeconds(int repeat, const std::function<void()> &f) {
  std::vector<double> times;
  for (int r = 0; r < repeat; ++r) {
    if (cold)
      evictCaches();
    const auto t0 = std::chrono::steady_clock::now();
    f();
    times.push_back(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(times.begin(), times.end());
  return cold ? times[times.size() / 2] : times.front();
}

TensorData filled(const Shape &s, float v) {
  TensorData t = TensorData::uninit(s);
  for (float &x : t.own)
    x = v;
  return t;
}

// As on a device: w's packed forms are made once and kept by the cache.
void packOnce(fast::PackCache &cache, const TensorData &w) {
  cache.stableBegin = w.data();
  cache.stableEnd = w.data() + w.numel();
}

} // namespace

int main(int argc, char **argv) {
  int repeat = 30;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--repeat") && i + 1 < argc) {
      repeat = std::atoi(argv[++i]);
    } else if (!std::strcmp(argv[i], "--cold")) {
      cold = true;
    } else {
      std::fprintf(stderr, "usage: %s [--repeat N] [--cold]\n", argv[0]);
      return 2;
    }
  }
  // As on a device (device_main.cpp): freed buffers stay in the heap, so outputs
  // allocated per run reuse memory instead of faulting in fresh pages.
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  try {
    std::printf("threads %d, %s of %d runs\n\nGEMM (A packed once, B packed per call)\n",
                fast::threadCount(), cold ? "caches evicted before each, median" : "best",
                repeat);
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
      const double s = measuredSeconds(repeat, [&] {
        fast::sgemm(pa, b.data(), g.N, g.N, c.mut(), g.N, fast::Epilogue{});
      });
      std::printf("  M %4lld K %4lld N %5lld  %7.1f GFLOP/s  (%s)\n", (long long)g.M,
                  (long long)g.K, (long long)g.N, 2.0 * g.M * g.K * g.N / s / 1e9, g.what);
    }
    // Convolutions of the zoo's networks: ResNet-18's, then the layers of the others
    // that each kernel runs (ResNeXt's grouped ones, MobileNet's depthwise and thin
    // projections, SqueezeNet's small planes).
    struct Conv {
      const char *net;
      int64_t c, hw, m, k, stride, group;
    };
    const Conv convs[] = {
        {"resnet18", 3, 224, 64, 7, 2, 1},       {"resnet18", 64, 56, 64, 3, 1, 1},
        {"resnet18", 64, 56, 128, 3, 2, 1},      {"resnet18", 128, 28, 128, 3, 1, 1},
        {"resnet18", 128, 28, 256, 3, 2, 1},     {"resnet18", 256, 14, 256, 3, 1, 1},
        {"resnet18", 256, 14, 512, 3, 2, 1},     {"resnet18", 512, 7, 512, 3, 1, 1},
        {"resnet18", 64, 56, 128, 1, 2, 1},      {"resnext50", 128, 56, 128, 3, 1, 32},
        {"resnext50", 256, 56, 256, 3, 2, 32},   {"resnext50", 512, 14, 512, 3, 1, 32},
        {"resnext50", 1024, 7, 1024, 3, 1, 32},  {"resnext50", 512, 14, 1024, 1, 1, 1},
        {"resnext50", 1024, 14, 2048, 1, 2, 1},  {"resnext50", 1024, 7, 2048, 1, 1, 1},
        {"mobilenet", 3, 224, 32, 3, 2, 1},      {"mobilenet", 144, 56, 144, 3, 2, 144},
        {"mobilenet", 64, 14, 384, 1, 1, 1},
        {"mobilenet", 32, 112, 32, 3, 1, 32},    {"mobilenet", 32, 112, 16, 1, 1, 1},
        {"mobilenet", 96, 112, 96, 3, 2, 96},    {"mobilenet", 144, 56, 24, 1, 1, 1},
        {"mobilenet", 192, 28, 192, 3, 2, 192},  {"mobilenet", 576, 14, 576, 3, 2, 576},
        {"mobilenet", 960, 7, 960, 3, 1, 960},   {"mobilenet", 960, 7, 320, 1, 1, 1},
        {"mobilenet", 576, 14, 576, 3, 1, 576},  {"mobilenet", 192, 28, 192, 3, 1, 192},
        {"mobilenet", 960, 7, 160, 1, 1, 1},
        {"squeezenet", 16, 55, 64, 3, 1, 1},     {"squeezenet", 64, 13, 256, 3, 1, 1},
        {"squeezenet", 512, 13, 1000, 1, 1, 1},  {"squeezenet", 3, 224, 64, 3, 2, 1},
        {"squeezenet", 16, 55, 64, 1, 1, 1},     {"squeezenet", 32, 27, 128, 1, 1, 1},
        {"resnext50", 512, 28, 256, 1, 1, 1},    {"mobilenet", 320, 7, 1280, 1, 1, 1},
        {"mobilenet", 576, 14, 96, 1, 1, 1},     {"mobilenet", 16, 112, 96, 1, 1, 1},
        {"resnext50", 512, 28, 512, 3, 2, 32},   {"resnext50", 1024, 14, 1024, 3, 2, 32},
        {"mobilenet", 96, 14, 576, 1, 1, 1},     {"mobilenet", 160, 7, 960, 1, 1, 1},
    };
    std::printf("\nConvolutions of the zoo (padding k/2; GFLOP/s counts the direct "
                "convolution's multiply-adds)\n");
    for (const Conv &cv : convs) {
      TensorData x = filled({1, cv.c, cv.hw, cv.hw}, 0.5f),
                 w = filled({cv.m, cv.c / cv.group, cv.k, cv.k}, 0.25f),
                 b = filled({cv.m}, 0.0f);
      fast::PackCache cache;
      packOnce(cache, w);
      const int64_t p = cv.k / 2;
      const kernels::ConvGeometry g = kernels::convGeometry(
          x, w, &b, {p, p, p, p}, {cv.stride, cv.stride}, {1, 1}, cv.group);
      const double s = measuredSeconds(repeat, [&] {
        fast::conv(x, w, &b, {p, p, p, p}, {cv.stride, cv.stride}, {1, 1}, cv.group, cache);
      });
      const double flops = 2.0 * g.M * g.OH * g.OW * g.Cg * g.KH * g.KW;
      std::printf("  %-10s %3lldx%-3lld x%-4lld -> %-4lld %lldx%lld/%lld g%-4lld %7.3f ms  "
                  "%6.1f GFLOP/s  %s\n",
                  cv.net, (long long)cv.hw, (long long)cv.hw, (long long)cv.c,
                  (long long)cv.m, (long long)cv.k, (long long)cv.k, (long long)cv.stride,
                  (long long)cv.group, s * 1e3, flops / s / 1e9,
                  fast::convKernelName(fast::convKernel(g)));
    }
    std::printf("\nMax pools 3x3/2\n");
    const struct {
      const char *net;
      int64_t c, hw, pad, ceil;
    } pools[] = {{"resnet18", 64, 112, 1, 0}, {"squeezenet", 64, 111, 0, 1},
                 {"squeezenet", 256, 27, 0, 1}};
    for (const auto &pl : pools) {
      TensorData x = filled({1, pl.c, pl.hw, pl.hw}, 0.5f);
      const double s = measuredSeconds(repeat, [&] {
        fast::maxPool(x, {3, 3}, {pl.pad, pl.pad, pl.pad, pl.pad}, {2, 2}, {1, 1}, pl.ceil);
      });
      std::printf("  %-10s %3lldx%-3lld x%-4lld %7.3f ms\n", pl.net, (long long)pl.hw,
                  (long long)pl.hw, (long long)pl.c, s * 1e3);
    }
    // A stem and the max pool after it: one conv_max_pool call against the conv, then
    // the pool.
    std::printf("\nStem + max pool 3x3/2 (fused: conv_max_pool; separate: conv, then max_pool)\n");
    const struct {
      const char *net;
      int64_t k, pad, poolPad, ceil;
    } stems[] = {{"squeezenet", 3, 0, 0, 1}, {"resnet18", 7, 3, 1, 0}};
    for (const auto &st : stems) {
      TensorData x = filled({1, 3, 224, 224}, 0.5f), w = filled({64, 3, st.k, st.k}, 0.25f),
                 b = filled({64}, 0.0f);
      fast::PackCache cache;
      packOnce(cache, w);
      const kernels::Ints pads(4, st.pad), poolPads(4, st.poolPad);
      const double fused = measuredSeconds(repeat, [&] {
        fast::convMaxPool(x, w, &b, pads, {2, 2}, {1, 1}, 1, cache, fast::Clamp::relu(),
                          {3, 3}, poolPads, {2, 2}, {1, 1}, st.ceil);
      });
      const double separate = measuredSeconds(repeat, [&] {
        fast::maxPool(fast::conv(x, w, &b, pads, {2, 2}, {1, 1}, 1, cache, fast::Clamp::relu()),
                      {3, 3}, poolPads, {2, 2}, {1, 1}, st.ceil);
      });
      std::printf("  %-10s 224x224 x3 -> 64 %lldx%lld/2  fused %7.3f ms  separate %7.3f ms\n",
                  st.net, (long long)st.k, (long long)st.k, fused * 1e3, separate * 1e3);
    }
    {
      TensorData x = filled({1, 1000, 13, 13}, 0.5f);
      const double s = measuredSeconds(repeat, [&] { fast::globalAveragePool(x); });
      std::printf("\nGlobalAveragePool\n  %-10s  13x13  x1000  %7.3f ms\n", "squeezenet",
                  s * 1e3);
    }
  } catch (const std::exception &e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
