// device_<k> --cluster CLUSTER.json [--input IN.pb]... [--output OUT.pb]...
//            [--input-seq PATTERN]... [--output-seq PATTERN]...
//            [--repeat N] [--report R.json] [--timeout SECONDS] [--weights PATH]
//            [--op-times T.json]
#include "device_main.h"

#include "ctx.h"
#include "kernels/fast/parallel.h"
#include "io/cluster.h"
#include "io/file.h"
#include "io/json.h"
#include "io/tensor_pb.h"
#include "transport/tcp.h"
#include "transport/crc32c.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <malloc.h>
#include <memory>
#include <set>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sepnn {
namespace rt {
namespace {

const char *kUsage =
    "usage: %s --cluster CLUSTER.json [--input IN.pb]... [--output OUT.pb]...\n"
    "          [--input-seq PATTERN]... [--output-seq PATTERN]...\n"
    "          [--repeat N] [--report R.json] [--timeout SECONDS] [--weights PATH]\n"
    "          [--op-times T.json]\n"
    "A PATTERN names one file per inference: %%d is replaced by its index (0, 1, ...).\n";

struct Options {
  std::string cluster;
  std::vector<std::string> inputs, outputs;
  // Batch mode: inference r reads (writes) each pattern with %d replaced by r.
  std::vector<std::string> inputSeqs, outputSeqs;
  int64_t repeat = 1;
  std::string report;
  std::string opTimes; // per-call times, to check the search's cost model
  double timeoutS = 30;
  std::string weights; // empty: weights.bin next to the executable
  bool help = false;
};

Options parseArgs(int argc, char **argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i], value;
    if (arg == "-h" || arg == "--help") {
      o.help = true;
      continue;
    }
    const size_t eq = arg.find('=');
    const bool inlineValue = arg.rfind("--", 0) == 0 && eq != std::string::npos;
    if (inlineValue) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    }
    static const char *known[] = {"--cluster",   "--input",     "--output",  "--repeat",
                                  "--report",    "--timeout",   "--weights", "--op-times",
                                  "--input-seq", "--output-seq"};
    if (std::find_if(std::begin(known), std::end(known),
                     [&](const char *k) { return arg == k; }) == std::end(known))
      fail("unknown argument '", arg, "' (see --help)");
    if (!inlineValue) {
      if (i + 1 >= argc)
        fail(arg, " needs a value");
      value = argv[++i];
    }
    if (arg == "--cluster") {
      o.cluster = value;
    } else if (arg == "--input") {
      o.inputs.push_back(value);
    } else if (arg == "--output") {
      o.outputs.push_back(value);
    } else if (arg == "--input-seq" || arg == "--output-seq") {
      if (value.find("%d") == std::string::npos ||
          value.find("%d") != value.rfind("%d"))
        fail(arg, ": the pattern must contain %d once, got '", value, "'");
      (arg == "--input-seq" ? o.inputSeqs : o.outputSeqs).push_back(value);
    } else if (arg == "--report") {
      o.report = value;
    } else if (arg == "--op-times") {
      o.opTimes = value;
    } else if (arg == "--weights") {
      o.weights = value;
    } else if (arg == "--repeat") {
      char *end = nullptr;
      errno = 0;
      const long long n = std::strtoll(value.c_str(), &end, 10);
      if (value.empty() || *end || errno || n < 1 || n > 1000000000)
        fail("--repeat: expected a positive integer, got '", value, "'");
      o.repeat = n;
    } else if (arg == "--timeout") {
      char *end = nullptr;
      const double s = std::strtod(value.c_str(), &end);
      if (value.empty() || *end || !(s > 0) || s > 1e6)
        fail("--timeout: expected a positive number of seconds, got '", value, "'");
      o.timeoutS = s;
    }
  }
  if (!o.help && o.cluster.empty())
    fail("--cluster CLUSTER.json is required");
  if (!o.inputs.empty() && !o.inputSeqs.empty())
    fail("--input and --input-seq cannot be mixed");
  if (!o.outputs.empty() && !o.outputSeqs.empty())
    fail("--output and --output-seq cannot be mixed");
  return o;
}

// PATTERN with its %d replaced by `index`.
std::string nthFile(const std::string &pattern, int64_t index) {
  const size_t at = pattern.find("%d");
  return pattern.substr(0, at) + std::to_string(index) + pattern.substr(at + 2);
}

// Model inputs from .pb files into the context, in --input order.
void loadInputs(Ctx &ctx, const std::vector<std::string> &paths) {
  ctx.inputs.clear();
  ctx.inputNames.clear();
  for (const std::string &path : paths) {
    PbTensor t = readTensorFile(path);
    TensorData d;
    d.shape = t.dims;
    d.own.assign(t.data.begin(), t.data.end()); // loaded once, copied once
    ctx.inputs.push_back(std::move(d));
    ctx.inputNames.push_back(path);
  }
}

std::string exeDir(const char *argv0) {
  char buf[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  std::string path = n > 0 ? std::string(buf, (size_t)n) : std::string(argv0 ? argv0 : "");
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

// weights.bin mapped read-only for the process lifetime (weight() tensors alias it).
struct Weights {
  void *map = nullptr;
  size_t size = 0;
  std::string whole; // fallback when mmap is unavailable
  ~Weights() {
    if (map)
      ::munmap(map, size);
  }
  // Returns false if the file does not exist.
  bool load(const std::string &path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT)
        return false;
      fail(path, ": cannot open: ", std::strerror(errno));
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      ::close(fd);
      fail(path, ": cannot stat: ", std::strerror(errno));
    }
    size = (size_t)st.st_size;
    if (size > 0) {
      map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
      if (map == MAP_FAILED) {
        map = nullptr;
        ::close(fd);
        whole = readFile(path);
        size = whole.size();
        return true;
      }
    }
    ::close(fd);
    return true;
  }
  const unsigned char *data() const {
    return static_cast<const unsigned char *>(map ? map : (const void *)whole.data());
  }
};

std::string fmtDouble(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6f", v);
  return buf;
}

// What a long run shows about itself: whether every inference produced the same
// outputs, and the resident memory after inference 1, 10, 100, ... and the last.
struct RunHealth {
  std::set<uint32_t> outputDigests; // CRC-32C of each inference's outputs
  std::vector<std::pair<int64_t, int64_t>> rssKb; // (inference, VmRSS in kB)

  void record(const Ctx &ctx, int64_t inference, int64_t repeat) {
    if (!ctx.outputs.empty()) {
      uint32_t crc = 0;
      for (const auto &kv : ctx.outputs)
        crc = crc32c(kv.second.data(), (size_t)kv.second.numel() * sizeof(float), crc);
      outputDigests.insert(crc);
    }
    int64_t decade = 1;
    while (decade * 10 <= inference)
      decade *= 10;
    if (inference == decade || inference == repeat)
      rssKb.push_back({inference, residentKb()});
  }
  static int64_t residentKb() {
    long pages = 0, resident = 0;
    if (FILE *f = std::fopen("/proc/self/statm", "r")) {
      if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2)
        resident = 0;
      std::fclose(f);
    }
    return (int64_t)resident * (int64_t)::sysconf(_SC_PAGESIZE) / 1024;
  }
};

void writeReport(const std::string &path, int rank, const std::vector<double> &ms,
                 const Transport *t, int numDevices, const RunHealth &health,
                 const Ctx &ctx) {
  std::vector<double> sorted = ms;
  std::sort(sorted.begin(), sorted.end());
  const size_t n = sorted.size();
  const double median = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  std::string j = "{\n  \"rank\": " + std::to_string(rank) +
                  ",\n  \"latency_ms\": " + fmtDouble(median) + ",\n  \"latencies_ms\": [";
  for (size_t i = 0; i < ms.size(); ++i)
    j += (i ? ", " : "") + fmtDouble(ms[i]);
  j += "],\n  \"repeat\": " + std::to_string(ms.size()) + ",\n  \"links\": {";
  bool first = true;
  for (int p = 0; t && p < numDevices; ++p) {
    const uint64_t bytes = t->bytesSent(p) / ms.size(); // per inference
    if (bytes == 0)
      continue;
    j += std::string(first ? "" : ",") + "\n    " +
         jsonQuote(std::to_string(rank) + "->" + std::to_string(p)) + ": " +
         std::to_string(bytes);
    first = false;
  }
  j += first ? "}" : "\n  }";
  if (!health.outputDigests.empty())
    j += ",\n  \"distinct_outputs\": " + std::to_string(health.outputDigests.size());
  j += ",\n  \"weights_kb\": " + std::to_string(ctx.weightsSize / 1024);
  j += ",\n  \"peak_live_activations_kb\": " + std::to_string(ctx.peakLiveBytes / 1024);
  j += ",\n  \"threads\": " + std::to_string(fast::threadCount());
  j += ",\n  \"rss_kb\": [";
  for (size_t i = 0; i < health.rssKb.size(); ++i)
    j += (i ? ", [" : "[") + std::to_string(health.rssKb[i].first) + ", " +
         std::to_string(health.rssKb[i].second) + "]";
  j += "]\n}\n";
  writeFile(path, j);
}

// Mean milliseconds of each ABI call, in program order, with its op and result
// shape: what `sepnn search --layers` predicts, measured.
void writeOpTimes(const std::string &path, const Ctx &ctx) {
  std::string j = "[";
  for (size_t i = 0; i < ctx.opTimes.size(); ++i) {
    const Ctx::OpTime &t = ctx.opTimes[i];
    j += std::string(i ? ",\n " : "\n ") + "{\"call\": " + std::to_string(i + 1) +
         ", \"op\": " + jsonQuote(t.op ? t.op : "") + ", \"shape\": [";
    for (size_t d = 0; d < t.shape.size(); ++d)
      j += (d ? ", " : "") + std::to_string(t.shape[d]);
    j += "], \"ms\": " + fmtDouble(t.count ? t.seconds * 1e3 / t.count : 0) + "}";
  }
  writeFile(path, j + "\n]\n");
}

} // namespace

std::unique_ptr<Transport> makeTcpTransport(const TransportOptions &options) {
  auto transport = std::make_unique<TcpTransport>(options);
  transport->connectAll();
  return transport;
}

int deviceMain(int argc, char **argv, const ProgramInfo &info, void (*run)(Ctx *),
               TransportFactory makeTransport) {
  // A vanished peer must surface as an error from send(), not kill the process.
  std::signal(SIGPIPE, SIG_IGN);
  // Activations are allocated and freed once per inference: keep freed memory in the
  // heap for the next one instead of returning it to the kernel (large blocks would
  // otherwise be mmapped and unmapped every time, and every page faulted in again).
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  const int rank = info.rank;
  std::string name; // known once the cluster file is read
  std::unique_ptr<Transport> transport;
  try {
    const Options o = parseArgs(argc, argv);
    if (o.help) {
      std::printf(kUsage, argc > 0 ? argv[0] : "device");
      return 0;
    }
    fast::threadCount(); // a bad SEPNN_THREADS fails here, before any work
    double slowdown = 1; // SEPNN_SLOWDOWN (ctx.h)
    if (const char *v = std::getenv("SEPNN_SLOWDOWN")) {
      char *end = nullptr;
      slowdown = std::strtod(v, &end);
      if (!*v || *end || !(slowdown >= 1) || slowdown > 1000)
        fail("SEPNN_SLOWDOWN must be a factor from 1 to 1000, got '", v, "'");
    }
    if (info.abiVersion != SEPNN_ABI_VERSION)
      fail("the program was generated for runtime ABI version ", info.abiVersion,
           ", this runtime implements version ", SEPNN_ABI_VERSION);
    const Cluster cluster = loadCluster(o.cluster);
    const int n = (int)cluster.devices.size();
    if (rank < 0 || rank >= n)
      fail(o.cluster, " lists ", n, " device(s), but this program is device ", rank);
    name = cluster.devices[rank].name;
    if (info.numDevices != n)
      fail(o.cluster, " lists ", n, " device(s), but the program was compiled for ",
           info.numDevices);

    Ctx ctx;
    ctx.slowdown = slowdown;
    loadInputs(ctx, o.inputs);
    const bool outputEachInference = !o.outputSeqs.empty();
    ctx.maxOutputs = (int64_t)(outputEachInference ? o.outputSeqs.size() : o.outputs.size());
    Weights weights;
    ctx.weightsPath = o.weights.empty() ? exeDir(argc > 0 ? argv[0] : nullptr) + "/weights.bin"
                                        : o.weights;
    const bool haveWeights = weights.load(ctx.weightsPath);
    if (!haveWeights && !o.weights.empty())
      fail(ctx.weightsPath, ": cannot open: ", std::strerror(ENOENT));
    ctx.haveWeights = haveWeights;
    ctx.weights = haveWeights ? weights.data() : nullptr;
    ctx.weightsSize = haveWeights ? weights.size : 0;
    if (haveWeights) {
      ctx.packs.stableBegin = ctx.weights;
      ctx.packs.stableEnd = ctx.weights + ctx.weightsSize;
      ctx.packs.fileBacked = weights.map != nullptr;
    }

    if (n > 1) {
      TransportOptions setup;
      setup.rank = rank;
      setup.devices = cluster.devices;
      setup.modelHash = info.modelHash ? info.modelHash : "";
      setup.timeoutS = o.timeoutS;
      setup.key = loadClusterKey(cluster, o.cluster);
      setup.haveReceiveTable = info.receives != nullptr;
      if (info.receives)
        setup.receives.assign(info.receives, info.receives + info.numReceives);
      transport = makeTransport(setup);
      ctx.transport = transport.get();
    }

    std::vector<double> latencies;
    RunHealth health;
    // Batch mode keeps every inference's outputs until all peers are done (below).
    std::vector<std::map<int64_t, TensorData>> batchOutputs;
    for (int64_t r = 0; r < o.repeat; ++r) {
      if (!o.inputSeqs.empty()) { // read before the clock starts
        std::vector<std::string> paths;
        for (const std::string &pattern : o.inputSeqs)
          paths.push_back(nthFile(pattern, r));
        loadInputs(ctx, paths);
      }
      ctx.beginInference();
      // The first inference packs weights: op times count the others (or the only one).
      ctx.timeOps = !o.opTimes.empty() && (r > 0 || o.repeat == 1);
      const auto t0 = std::chrono::steady_clock::now();
      run(&ctx);
      const auto t1 = std::chrono::steady_clock::now();
      // Sends are asynchronous: a background send that failed during this inference
      // (peer lost, write timeout) fails it, naming the peer.
      if (!ctx.failed && transport) {
        try {
          transport->checkSends();
        } catch (const std::exception &e) {
          ctx.setError(e.what(), dynamic_cast<const PeerLost *>(&e) != nullptr);
        }
      }
      if (ctx.failed) {
        const std::string which =
            o.repeat > 1 ? cat(" (inference ", r + 1, " of ", o.repeat, ")") : std::string();
        if (ctx.peerLost)
          failPeerLost(ctx.error, which);
        fail(ctx.error, which);
      }
      latencies.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
      health.record(ctx, r + 1, o.repeat);
      if (outputEachInference) {
        batchOutputs.push_back(std::move(ctx.outputs));
        ctx.outputs.clear();
      }
    }
    ctx.beginInference();
    if (!outputEachInference) // the last inference's outputs go to the --output files
      batchOutputs.push_back(std::move(ctx.outputs));

    const std::vector<std::string> &named = outputEachInference ? o.outputSeqs : o.outputs;
    for (const auto &outputs : batchOutputs)
      for (size_t i = 0; i < named.size(); ++i)
        if (!outputs.count((int64_t)i) && !outputs.empty())
          fail(outputEachInference ? "--output-seq " : "--output ", named[i],
               " was given but the program never wrote output ", i);
    // Outputs are written only once every peer has finished too: a failed run
    // leaves no output file behind.
    if (transport) {
      transport->flush(); // every queued send written (bounded), or the peer's error
      transport->finish();
    }
    for (size_t r = 0; r < batchOutputs.size(); ++r)
      for (const auto &kv : batchOutputs[r])
        writeTensorFile(outputEachInference ? nthFile(named[kv.first], (int64_t)r) : named[kv.first],
                        kv.second.shape, kv.second.data(), "output_" + std::to_string(kv.first));
    if (!o.report.empty())
      writeReport(o.report, rank, latencies, transport.get(), n, health, ctx);
    if (!o.opTimes.empty())
      writeOpTimes(o.opTimes, ctx);
    return 0;
  } catch (const std::exception &e) {
    // Destroying the transport closes without a goodbye: waiting peers see the loss.
    transport.reset();
    if (name.empty())
      std::fprintf(stderr, "error: device %d: %s\n", rank, e.what());
    else
      std::fprintf(stderr, "error: device %d (%s): %s\n", rank, name.c_str(), e.what());
    return dynamic_cast<const PeerLost *>(&e) ? kExitPeerLost : kExitFailed;
  }
}

} // namespace rt
} // namespace sepnn
