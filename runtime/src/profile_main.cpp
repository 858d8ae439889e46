// sepnn_rt_profile: this device's speed for each op class of the search's
// cost model, with the runtime's own kernels, and the bandwidth and latency
// of a TCP link between two device processes of the runtime: on loopback (a
// forked peer), or between two machines (or network namespaces) with
// `--link-rank R --link-devices HOST0:PORT0,HOST1:PORT1`, R = 1 on one side and
// R = 0 on the other, which alone prints {"link": ...}; kernels are then not
// measured. Prints JSON for `sepnn profile`:
//   {"profile": {"conv": G, "conv1x1": G, "depthwise": G, "gemm": G,
//                "elementwise": G, "concat_gfloats": G,
//                <the kernel model's parameters>},
//    "link": {"mbps": M, "latency_ms": L, "duplex_mbps": D,
//             "cpu_ns_per_byte": C}}
// The kernel model (lib/Search/KernelModel.cpp) predicts a convolution's time from
// how the fast kernels compute it: the micro-kernel's GEMM rate on tiles padded to
// mr x nr, plus the packing of the im2col (or dense) B matrix, or Winograd's
// transforms. Its parameters are measured here on one shape each and the GEMM's
// share of that shape's time taken out: gemm_gflops, im2col_gfloats,
// dense_gfloats, winograd_gvalues (values transformed per second), gemv_gbps
// (weights streamed by a batch-1 fully connected layer, beyond the caches), mr, nr.
#include "kernels/fast/fast.h"
#include "transport/tcp.h"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <sched.h>
#include <sstream>
#include <string>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace sepnn::rt;

namespace {

double now() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

double median(std::vector<double> v) {
  std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
  return v[v.size() / 2];
}

/// The best time of `run` over repetitions lasting about `budget` seconds.
double bestSeconds(const std::function<void()> &run, double budget) {
  double best = 1e30, start = now();
  int runs = 0;
  while (runs < 3 || now() - start < budget) {
    double t0 = now();
    run();
    best = std::min(best, now() - t0);
    if (++runs >= 1000)
      break;
  }
  return best;
}

/// Reads one float per cache line of `data`, bringing it into the caches.
void touch(const float *data, size_t n) {
  volatile float sink = 0;
  float sum = 0;
  for (size_t i = 0; i < n; i += 16)
    sum += data[i];
  sink = sum;
  (void)sink;
}

/// The median time of `run`, each run after the caches were emptied of its data
/// (64 MB written in between), then `warm` (if any) run: an inference reads each
/// layer's weights once, evicted since by the other layers', so a best-of-a-hot-
/// loop time would flatter the kernel model; but a layer's input was just
/// written by the layer before, so the convolutions warm theirs (with it cold,
/// resnet18's Winograd layers came out 10-39% slower than `device_0
/// --op-times` measures them in the network).
double coldSeconds(const std::function<void()> &run, double budget,
                   const std::function<void()> &warm = nullptr) {
  static std::vector<char> evict(size_t(64) << 20);
  std::vector<double> times;
  double start = now();
  while (times.size() < 5 || (now() - start < budget && times.size() < 200)) {
    for (size_t i = 0; i < evict.size(); i += 64)
      evict[i] = char(i + times.size());
    if (warm)
      warm();
    double t0 = now();
    run();
    times.push_back(now() - t0);
  }
  return median(std::move(times));
}

TensorData filled(const Shape &shape, float value) {
  TensorData t = TensorData::zeros(shape);
  for (size_t i = 0; i < t.own.size(); ++i)
    t.own[i] = value + float(i % 7) * 0.01f;
  return t;
}

/// Seconds of the micro-kernel's share of an [M, K] x [K, N] GEMM: the padded tiles
/// at `gemmRate` FLOP/s (as the kernel model counts it).
double gemmShare(int64_t M, int64_t K, int64_t N, double gemmRate) {
  const int64_t Mp = (M + fast::kMR - 1) / fast::kMR * fast::kMR;
  const int64_t Np = (N + fast::kNR - 1) / fast::kNR * fast::kNR;
  return 2.0 * Mp * K * Np / gemmRate;
}

/// Seconds of a conv of input `x` and weight `w`, as a device runs it (the weights
/// packed once, then reused by every inference): the best of a hot loop, or
/// `cold` (coldSeconds: the weights from memory, the input warm).
double convSeconds(const Shape &x, const Shape &w, int64_t group, int64_t stride,
                   int64_t pad, double budget, bool cold) {
  TensorData in = filled(x, 0.5f), weight = filled(w, 0.25f);
  fast::PackCache packs;
  packs.stableBegin = weight.data();
  packs.stableEnd = weight.data() + weight.numel();
  auto run = [&] {
    fast::conv(in, weight, nullptr, {pad, pad, pad, pad}, {stride, stride}, {1, 1},
               group, packs);
  };
  if (!cold)
    return bestSeconds(run, budget);
  return coldSeconds(run, budget, [&] { touch(in.data(), (size_t)in.numel()); });
}

/// GFLOP/s of a stride-1 conv of input `x` and weight `w` (FLOPs as the cost model
/// counts them: 2 per multiply-add), best of a hot loop.
double convGflops(const Shape &x, const Shape &w, int64_t group, int64_t pad,
                  double budget) {
  const double outputs =
      double(x[0]) * w[0] * (x[2] + 2 * pad - w[2] + 1) * (x[3] + 2 * pad - w[3] + 1);
  const double flops = 2.0 * outputs * w[1] * w[2] * w[3];
  return flops / convSeconds(x, w, group, 1, pad, budget, /*cold=*/false) / 1e9;
}

/// The kernel model's parameters (see the top of this file), as JSON fields.
std::string kernelModel(double budget) {
  // The micro-kernel alone: A packed, B already in the packed layout.
  const int64_t M = 128, K = 1152, N = 784;
  std::vector<float> a(M * K, 0.25f), c(M * N);
  std::vector<float> b(fast::prepackedSize(K, N), 0.5f);
  fast::PackedA packed = fast::packA(a.data(), M, K, K, 1);
  fast::BMatrix bm;
  bm.prepacked = b.data();
  const double gemm = 2.0 * M * K * N /
                      coldSeconds([&] { fast::sgemm(packed, bm, N, c.data(), N, {}); },
                                  budget, [&] { touch(b.data(), b.size()); });
  // What is left of a conv's time once the GEMM's share is out: packing B.
  auto leftover = [&](double seconds, int64_t m, int64_t k, int64_t n) {
    return std::max(seconds - gemmShare(m, k, n, gemm), 0.05 * seconds);
  };
  // 3x3 stride 2, 64 -> 128 on 56x56: K = 576, N = 28 * 28 (im2col packing).
  const double im2col =
      576.0 * 784 /
      leftover(convSeconds({1, 64, 56, 56}, {128, 64, 3, 3}, 1, 2, 1, budget, /*cold=*/true),
               128, 576, 784);
  // 1x1 stride 1, 128 -> 128 on 28x28: the input is B, copied into panels.
  const double dense =
      128.0 * 784 /
      leftover(convSeconds({1, 128, 28, 28}, {128, 128, 1, 1}, 1, 1, 0, budget, /*cold=*/true),
               128, 128, 784);
  // Winograd F(4x4, 3x3), 128 -> 128 on 28x28: 49 tiles, 36 GEMMs [128,128]x[128,49];
  // (128 + 128) channels x 49 tiles x 36 points transformed.
  const double winogradSeconds =
      convSeconds({1, 128, 28, 28}, {128, 128, 3, 3}, 1, 1, 1, budget, /*cold=*/true);
  const double transforms = std::max(winogradSeconds - 36 * gemmShare(128, 128, 49, gemm),
                                     0.05 * winogradSeconds);
  const double winograd = 256.0 * 49 * 36 / transforms;
  // Batch-1 fully connected, 64 MB of weights: streamed from memory.
  TensorData x = filled({1, 4096}, 0.5f), w = filled({4096, 4096}, 0.25f);
  const double gemv = 4096.0 * 4096 * 4 /
                      bestSeconds([&] { fast::gemm(x, w, nullptr, 1, 1, 0, 1); }, budget);
  char buf[512];
  std::snprintf(buf, sizeof buf,
                ", \"gemm_gflops\": %.4f, \"im2col_gfloats\": %.4f, \"dense_gfloats\": "
                "%.4f, \"winograd_gvalues\": %.4f, \"gemv_gbps\": %.4f, \"mr\": %d, "
                "\"nr\": %d",
                gemm / 1e9, im2col / 1e9, dense / 1e9, winograd / 1e9, gemv / 1e9,
                fast::kMR, fast::kNR);
  return buf;
}

struct Link {
  double mbps = 0, latencyMs = 0, duplexMbps = 0, cpuNsPerByte = 0;
};

/// CPU seconds spent so far on the one core this process is pinned to, all
/// work there counted: this process's threads and the kernel's network
/// processing on that core (softirqs, charged to no process), from
/// /proc/stat. When the process may run on several cores: its own user and
/// system time.
double busySeconds() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) == 1) {
    int cpu = 0;
    while (!CPU_ISSET(cpu, &set))
      ++cpu;
    std::ifstream stat("/proc/stat");
    const std::string name = "cpu" + std::to_string(cpu);
    for (std::string line; std::getline(stat, line);) {
      std::istringstream fields(line);
      std::string label;
      double user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0,
             softirq = 0;
      fields >> label >> user >> nice >> system >> idle >> iowait >> irq >> softirq;
      if (label == name)
        return (user + nice + system + irq + softirq) / (double)sysconf(_SC_CLK_TCK);
    }
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec * 1e-6 +
         usage.ru_stime.tv_sec + usage.ru_stime.tv_usec * 1e-6;
}

constexpr size_t kBigFloats = size_t(1) << 20; // 4 MB transfers for the bandwidth
constexpr int kLinkRounds = 12;

TransportOptions linkOptions(const std::vector<DeviceInfo> &devices, int rank) {
  TransportOptions o;
  o.rank = rank;
  o.devices = devices;
  o.modelHash = "sepnn-profile";
  o.timeoutS = 30;
  return o;
}

/// Device 1 of a link measurement: echoes one float for every message.
void echoSide(const std::vector<DeviceInfo> &devices) {
  TcpTransport t(linkOptions(devices, 1));
  t.connectAll();
  for (int i = 0; i < kLinkRounds; ++i) {
    FloatBuffer v = t.recv(0, 1, 1);
    t.send(0, 2, v.data(), 1);
  }
  for (int i = 0; i < kLinkRounds; ++i) {
    FloatBuffer v = t.recv(0, 3, kBigFloats);
    t.send(0, 4, v.data(), 1);
  }
  // Both ways at once: on device 0's word, 4 MB back while its 4 MB come in.
  std::vector<float> payload(kBigFloats, 0.25f);
  for (int i = 0; i < kLinkRounds; ++i) {
    t.recv(0, 5, 1);
    t.send(0, 7, payload.data(), kBigFloats);
    FloatBuffer v = t.recv(0, 6, kBigFloats);
    t.send(0, 8, v.data(), 1);
  }
  t.finish();
}

/// Device 0: a one-float round trip gives the latency (best of kLinkRounds),
/// 4 MB transfers (each answered by one float) the bandwidth, 4 MB each way at
/// once the duplex bandwidth (where the CPUs bound the rate, less than one
/// way's), the median of kLinkRounds each: rounds both ways at once vary
/// widely on a CPU-bound link, and their best overstated what long exchanges
/// get (the bench's vgg16 `out_channels` at 1000 Mbit/s, docs/search.md: 853
/// Mbit/s best-of-8 predicted 264.7 ms against 355.5 measured; the median's
/// 696, 300.3 against 348.1). The CPU time device 0's core spends in those
/// exchanges, per byte sent or received, is what moving data takes from a
/// device's compute (the runtime's writer and reader threads and the kernel's
/// TCP work share the core with the kernels).
Link measuringSide(const std::vector<DeviceInfo> &devices) {
  TcpTransport t(linkOptions(devices, 0));
  t.connectAll();
  float one = 1;
  double small = 1e30;
  std::vector<double> large, both;
  for (int i = 0; i < kLinkRounds; ++i) {
    double t0 = now();
    t.send(1, 1, &one, 1);
    t.recv(1, 2, 1);
    small = std::min(small, now() - t0);
  }
  std::vector<float> payload(kBigFloats, 0.5f);
  for (int i = 0; i < kLinkRounds; ++i) {
    double t0 = now();
    t.send(1, 3, payload.data(), kBigFloats);
    t.recv(1, 4, 1);
    large.push_back(now() - t0);
  }
  const double busy0 = busySeconds();
  for (int i = 0; i < kLinkRounds; ++i) {
    double t0 = now();
    t.send(1, 5, &one, 1);
    t.send(1, 6, payload.data(), kBigFloats);
    t.recv(1, 7, kBigFloats);
    t.recv(1, 8, 1); // device 1 has ours
    both.push_back(now() - t0);
  }
  const double busy = busySeconds() - busy0;
  t.finish();
  Link link;
  link.cpuNsPerByte = busy / (kLinkRounds * 2.0 * kBigFloats * 4) * 1e9;
  link.latencyMs = small / 2 * 1e3;
  // The word to start and the last answer cost a round trip.
  link.mbps = kBigFloats * 4.0 * 8 / std::max(median(large) - small, 1e-9) / 1e6;
  link.duplexMbps = kBigFloats * 4.0 * 8 / std::max(median(both) - small, 1e-9) / 1e6;
  return link;
}

std::string linkJson(const Link &l) {
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "{\"mbps\": %.1f, \"latency_ms\": %.4f, \"duplex_mbps\": %.1f, "
                "\"cpu_ns_per_byte\": %.3f}",
                l.mbps, l.latencyMs, l.duplexMbps, l.cpuNsPerByte);
  return buf;
}

/// Both sides on loopback: this process is device 0, a forked child device 1.
Link measureLoopbackLink(int port) {
  std::vector<DeviceInfo> devices(2);
  for (int d = 0; d < 2; ++d) {
    devices[d].name = "profile" + std::to_string(d);
    devices[d].host = "127.0.0.1";
    devices[d].port = port + d;
  }
  pid_t child = fork();
  if (child == 0) {
    try {
      echoSide(devices);
      _exit(0);
    } catch (const std::exception &e) {
      std::fprintf(stderr, "error: profile device 1: %s\n", e.what());
      _exit(1);
    }
  }
  Link link = measuringSide(devices);
  int status = 0;
  waitpid(child, &status, 0);
  return link;
}

/// "HOST0:PORT0,HOST1:PORT1" for --link-devices.
std::vector<DeviceInfo> parseLinkDevices(const std::string &text) {
  std::vector<DeviceInfo> devices;
  size_t begin = 0;
  while (begin <= text.size()) {
    size_t end = text.find(',', begin);
    if (end == std::string::npos)
      end = text.size();
    const std::string item = text.substr(begin, end - begin);
    const size_t colon = item.rfind(':');
    char *rest = nullptr;
    const long port = colon == std::string::npos
                          ? 0
                          : std::strtol(item.c_str() + colon + 1, &rest, 10);
    if (colon == std::string::npos || colon == 0 || !rest || *rest || port <= 0 ||
        port > 65535)
      fail("--link-devices: expected HOST:PORT, got '", item, "'");
    DeviceInfo d;
    d.name = "profile" + std::to_string(devices.size());
    d.host = item.substr(0, colon);
    d.port = (int)port;
    devices.push_back(d);
    begin = end + 1;
  }
  if (devices.size() != 2)
    fail("--link-devices: expected two devices HOST0:PORT0,HOST1:PORT1, got '", text,
         "'");
  return devices;
}

} // namespace

int main(int argc, char **argv) {
  std::signal(SIGPIPE, SIG_IGN);
  double budget = 0.3;
  int port = 29400;
  bool link = true;
  int linkRank = -1;
  std::string linkDevices;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--seconds" && i + 1 < argc)
      budget = std::atof(argv[++i]);
    else if (arg == "--port" && i + 1 < argc)
      port = std::atoi(argv[++i]);
    else if (arg == "--no-link")
      link = false;
    else if (arg == "--link-rank" && i + 1 < argc)
      linkRank = std::atoi(argv[++i]);
    else if (arg == "--link-devices" && i + 1 < argc)
      linkDevices = argv[++i];
    else {
      std::fprintf(stderr,
                   "usage: %s [--seconds S] [--port P] [--no-link]\n"
                   "       %s --link-rank 0|1 --link-devices HOST0:PORT0,HOST1:PORT1\n"
                   "error: unknown argument '%s'\n",
                   argv[0], argv[0], arg.c_str());
      return 2;
    }
  }
  try {
    if (linkRank >= 0 || !linkDevices.empty()) {
      if (linkRank != 0 && linkRank != 1)
        fail("--link-rank: expected 0 or 1 (with --link-devices)");
      const std::vector<DeviceInfo> devices = parseLinkDevices(linkDevices);
      if (linkRank == 1) {
        echoSide(devices);
        return 0;
      }
      const Link l = measuringSide(devices);
      std::printf("{\"link\": %s}\n", linkJson(l).c_str());
      return 0;
    }
    // Mid-network shapes of the torchvision models.
    double conv = convGflops({1, 64, 28, 28}, {64, 64, 3, 3}, 1, 1, budget);
    double conv1x1 = convGflops({1, 128, 28, 28}, {128, 128, 1, 1}, 1, 0, budget);
    double depthwise = convGflops({1, 128, 28, 28}, {128, 1, 3, 3}, 128, 1, budget);
    TensorData a = filled({1, 2048}, 0.5f), b = filled({1000, 2048}, 0.25f);
    double gemm = 2.0 * 1000 * 2048 /
                  bestSeconds([&] { fast::gemm(a, b, nullptr, 1, 1, 0, 1); },
                              budget) /
                  1e9;
    TensorData x = filled({1, 64, 56, 56}, -0.5f);
    double elementwise =
        numelOf(x.shape) / bestSeconds([&] { kernels::relu(x); }, budget) / 1e9;
    // Joining a received piece to the local one (the Concat the partitioner puts
    // before a consumer of a split value): a fresh output, inputs not cached.
    TensorData top = filled({1, 64, 28, 56}, 0.5f), bottom = filled({1, 64, 28, 56}, 0.25f);
    double copy = numelOf(x.shape) /
                  coldSeconds([&] { kernels::concat({&top, &bottom}, 2); }, budget) / 1e9;
    std::printf("{\"profile\": {\"conv\": %.4f, \"conv1x1\": %.4f, \"depthwise\": "
                "%.4f, \"gemm\": %.4f, \"elementwise\": %.4f, \"concat_gfloats\": %.4f%s}",
                conv, conv1x1, depthwise, gemm, elementwise, copy,
                kernelModel(budget).c_str());
    if (link) {
      Link l = measureLoopbackLink(port);
      std::printf(", \"link\": %s", linkJson(l).c_str());
    }
    std::printf("}\n");
    return 0;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
