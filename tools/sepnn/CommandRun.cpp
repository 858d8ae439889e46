// sepnn run: start every device of OUTDIR on this machine, wait for all,
// report latency and bytes per link, and check them against the manifest.
#include "Args.h"
#include "Commands.h"
#include "ModelLoading.h"
#include "ProcessGroup.h"
#include "sepnn/Support/Cluster.h"

#include "llvm/Support/FileSystem.h"
#include "onnx/onnx_pb.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <optional>

#include <map>

using namespace sepnn::driver;
namespace json = llvm::json;

namespace {

llvm::Expected<json::Value> readJson(const std::string &path) {
  auto buffer = llvm::MemoryBuffer::getFile(path, true);
  if (!buffer)
    return llvm::createStringError(buffer.getError(),
                                   path + ": cannot read: " +
                                       buffer.getError().message());
  auto value = json::parse((*buffer)->getBuffer());
  if (!value)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   path + ": invalid JSON: " +
                                       llvm::toString(value.takeError()));
  return value;
}

struct Device {
  int64_t rank;
  std::string name;
  std::string executable;
  std::vector<std::string> inputs, outputs;
  // Batch mode (--inputs DIR): one file per inference, %d its index.
  std::vector<std::string> inputSeqs, outputSeqs;
};

/// PATTERN with its %d replaced by `index`.
std::string nthFile(llvm::StringRef pattern, int64_t index) {
  size_t at = pattern.find("%d");
  return (pattern.substr(0, at) + llvm::Twine(index) + pattern.substr(at + 2)).str();
}

/// Output i goes to OUT.pb for i = 0 and OUT_<i>.pb after that.
std::string outputPath(const std::string &base, size_t index) {
  if (index == 0)
    return base;
  llvm::SmallString<128> path(base);
  llvm::sys::path::replace_extension(path, "");
  return (path + "_" + llvm::Twine(index) + ".pb").str();
}

llvm::Error runError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// The ONNX TensorProto stored in `path`.
llvm::Expected<onnx::TensorProto> readTensorFile(const std::string &path) {
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer)
    return runError(path + ": cannot read: " + buffer.getError().message());
  onnx::TensorProto tensor;
  if (!tensor.ParseFromArray((*buffer)->getBufferStart(),
                             (*buffer)->getBufferSize()))
    return runError(path + ": not an ONNX TensorProto file");
  return tensor;
}

/// Checks that a TensorProto file holds a float tensor of `shape`.
llvm::Error checkInputFile(const std::string &path, const std::string &name,
                           const std::vector<int64_t> &shape) {
  auto tensor = readTensorFile(path);
  if (!tensor)
    return tensor.takeError();
  std::vector<int64_t> dims(tensor->dims().begin(), tensor->dims().end());
  auto text = [](const std::vector<int64_t> &s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i)
      out += (i ? "x" : "") + std::to_string(s[i]);
    return out.empty() ? std::string("scalar") : out;
  };
  if (tensor->data_type() != onnx::TensorProto::FLOAT)
    return runError(path + ": input '" + name + "' has element type " +
                    onnx::TensorProto::DataType_Name(
                        (onnx::TensorProto::DataType)tensor->data_type()) +
                    ", the model expects FLOAT");
  if (dims != shape)
    return runError(path + ": input '" + name + "' has shape " + text(dims) +
                    ", the model expects " + text(shape));
  return llvm::Error::success();
}

/// max |a - b| over two float TensorProto files of one shape.
llvm::Expected<double> maxAbsDifference(const std::string &a,
                                        const std::string &b) {
  auto first = readTensorFile(a);
  if (!first)
    return first.takeError();
  auto second = readTensorFile(b);
  if (!second)
    return second.takeError();
  // The runtime writes outputs as raw little-endian f32.
  const std::string &x = first->raw_data(), &y = second->raw_data();
  if (x.size() != y.size() || x.size() % 4)
    return runError(a + ": differs in size from " + b);
  double worst = 0;
  for (size_t i = 0; i < x.size(); i += 4) {
    float u, v;
    memcpy(&u, x.data() + i, 4);
    memcpy(&v, y.data() + i, 4);
    worst = std::max(worst, (double)std::fabs(u - v));
  }
  return worst;
}

bool hostIsAArch64() {
  struct utsname info;
  return uname(&info) == 0 && llvm::StringRef(info.machine) == "aarch64";
}

} // namespace

/// What one run of every device of a compiled directory gives.
struct RunResult {
  std::vector<Device> devices;
  std::vector<double> deviceLatency;
  double latency = 0; // median, of the devices that produce the outputs
  std::map<std::string, int64_t> links, expected;
  int64_t total = 0;
  /// Output 0 of every inference (one file unless --inputs).
  std::vector<std::string> firstOutputs;
  std::string transport; // the one the devices used
  int64_t inferences = 1;
};

struct RunOptions {
  std::string outDir;
  std::vector<std::string> inputFiles;
  std::string outBase; // empty: OUTDIR/run/output.pb (OUTDIR/run/outputs in batch mode)
  int64_t repeat = 1;
  double timeout = 30;
  /// "tcp" or "mpi"; empty: the cluster's (an "mpi" cluster builds both,
  /// so the manifest's last transport).
  std::string transport;
  /// Batch mode: DIR/input_<n>.pb (input_<n>_<i>.pb for a model with several
  /// inputs), n = 0, 1, ...; one inference each, outputs output_<n>[_<i>].pb.
  std::string inputDir;
};

/// mpirun as root needs --allow-run-as-root; --oversubscribe lets a job have
/// more ranks than this machine has cores (local runs of a cluster).
std::vector<std::string> mpirunCommand(const std::string &mpirun) {
  std::vector<std::string> argv = {mpirun, "--oversubscribe", "--bind-to",
                                   "none"};
  if (geteuid() == 0)
    argv.push_back("--allow-run-as-root");
  return argv;
}


/// Starts every device of `options.outDir` on this machine, waits for all
/// of them and gathers their reports.
llvm::Expected<RunResult> runDevices(const RunOptions &options) {
  const std::string &outDir = options.outDir;
  const std::vector<std::string> &inputFiles = options.inputFiles;
  RunResult result;
  std::string manifestPath = outDir + "/manifest.json";
  auto manifestValue = readJson(manifestPath);
  if (!manifestValue)
    return manifestValue.takeError();
  const json::Object *manifest = manifestValue->getAsObject();
  const json::Array *devicesJson = manifest ? manifest->getArray("devices") : nullptr;
  const json::Array *inputsJson = manifest ? manifest->getArray("inputs") : nullptr;
  const json::Array *outputsJson = manifest ? manifest->getArray("outputs") : nullptr;
  const json::Object *linksJson = manifest ? manifest->getObject("links") : nullptr;
  if (!devicesJson || !inputsJson || !outputsJson || !linksJson)
    return runError(manifestPath +
                       ": missing devices, inputs, outputs or links");

  std::vector<Device> devices;
  for (const json::Value &d : *devicesJson) {
    const json::Object *o = d.getAsObject();
    if (!o || !o->getInteger("rank") || !o->getString("executable"))
      return runError(manifestPath + ": devices: malformed entry");
    devices.push_back({*o->getInteger("rank"),
                       o->getString("name").value_or("").str(),
                       (outDir + "/" + *o->getString("executable")).str(),
                       {},
                       {}});
  }
  // The devices read OUTDIR/cluster.json: it must still describe the cluster
  // the programs were compiled for (addresses may change, devices may not).
  std::string clusterPath = outDir + "/cluster.json";
  auto cluster = mlir::sepnn::readClusterFile(clusterPath);
  if (!cluster)
    return cluster.takeError();
  if (cluster->devices.size() != devices.size())
    return runError(llvm::formatv("{0}: lists {1} device(s), but {2} was compiled "
                                  "for {3} (recompile for this cluster)",
                                  clusterPath, cluster->devices.size(),
                                  manifestPath, devices.size()));
  for (auto [i, d] : llvm::enumerate(devices))
    if (cluster->devices[i].name != d.name)
      return runError(llvm::formatv("{0}: devices[{1}].name is '{2}', but {3} "
                                    "was compiled with device {1} named '{4}'",
                                    clusterPath, i, cluster->devices[i].name,
                                    manifestPath, d.name));
  const bool batch = !options.inputDir.empty();
  // Batch mode: file names per model input, and how many inferences the
  // directory holds.
  std::vector<std::string> inputSeqs;
  int64_t repeat = options.repeat;
  if (batch) {
    for (size_t i = 0; i < inputsJson->size(); ++i)
      inputSeqs.push_back(options.inputDir + "/input_%d" +
                          (inputsJson->size() == 1 ? std::string()
                                                   : "_" + std::to_string(i)) +
                          ".pb");
    repeat = 0;
    while (llvm::sys::fs::exists(nthFile(inputSeqs[0], repeat)))
      ++repeat;
    if (repeat == 0)
      return runError(nthFile(inputSeqs[0], 0) + ": no such file (--inputs " +
                      options.inputDir + " holds no inputs)");
  } else if (inputFiles.size() != inputsJson->size()) {
    return runError(llvm::formatv("the model has {0} input(s) but {1} "
                                     "--input file(s) were given",
                                     inputsJson->size(), inputFiles.size()));
  }
  result.inferences = repeat;
  for (auto [i, in] : llvm::enumerate(*inputsJson)) {
    const json::Object *o = in.getAsObject();
    int64_t rank = o->getInteger("device").value_or(0);
    std::vector<int64_t> shape;
    if (const json::Array *dims = o->getArray("shape"))
      for (const json::Value &d : *dims)
        shape.push_back(d.getAsInteger().value_or(-1));
    // Catch a wrong input here, once, rather than in a device mid-run.
    std::string name = o->getString("name").value_or("").str();
    for (int64_t r = 0; r < (batch ? repeat : 1); ++r)
      if (auto e = checkInputFile(batch ? nthFile(inputSeqs[i], r) : inputFiles[i],
                                  name, shape))
        return e;
    if (batch)
      devices.at(rank).inputSeqs.push_back(inputSeqs[i]);
    else
      devices.at(rank).inputs.push_back(inputFiles[i]);
  }
  llvm::SmallString<128> runDir(outDir);
  llvm::sys::path::append(runDir, "run");
  llvm::sys::fs::create_directories(runDir);
  std::string outBase =
      !options.outBase.empty() ? options.outBase
      : batch                  ? (runDir + "/outputs").str()
                               : (runDir + "/output.pb").str();
  if (batch)
    if (std::error_code ec = llvm::sys::fs::create_directories(outBase))
      return runError(outBase + ": cannot create the output directory: " +
                      ec.message());
  // A failed run must not leave an output behind, not even an earlier run's.
  std::vector<std::string> outputFiles;
  for (auto [i, out] : llvm::enumerate(*outputsJson)) {
    int64_t rank = out.getAsObject()->getInteger("device").value_or(0);
    if (!batch) {
      outputFiles.push_back(outputPath(outBase, i));
      llvm::sys::fs::remove(outputFiles.back());
      devices.at(rank).outputs.push_back(outputFiles.back());
      continue;
    }
    std::string pattern = outputPath(outBase + "/output_%d.pb", i);
    for (int64_t r = 0; r < repeat; ++r) {
      outputFiles.push_back(nthFile(pattern, r));
      llvm::sys::fs::remove(outputFiles.back());
    }
    devices.at(rank).outputSeqs.push_back(pattern);
  }
  auto removeOutputs = [&] {
    for (const std::string &path : outputFiles)
      llvm::sys::fs::remove(path);
  };

  // An aarch64 build runs through qemu's user-mode emulator on other hosts.
  std::vector<std::string> launcher;
  std::string target = manifest->getString("target").value_or("host").str();
  if (target == "aarch64" && !hostIsAArch64()) {
    auto qemu = llvm::sys::findProgramByName("qemu-aarch64-static");
    if (!qemu)
      return runError(manifestPath + ": the devices are aarch64 binaries and "
                         "qemu-aarch64-static is not installed "
                         "(apt-get install qemu-user-static)");
    launcher = {*qemu, "-L", "/usr/aarch64-linux-gnu"};
  }

  std::vector<std::string> built;
  if (const json::Array *transports = manifest->getArray("transports"))
    for (const json::Value &t : *transports)
      built.push_back(t.getAsString().value_or("").str());
  result.transport = options.transport.empty()
                         ? (built.empty() ? "tcp" : built.back())
                         : options.transport;
  bool mpi = result.transport == "mpi";
  std::vector<std::string> mpirun;
  if (mpi) {
    if (!llvm::is_contained(built, "mpi"))
      return runError(manifestPath + ": the devices were not built for MPI "
                      "(compile with \"transport\": \"mpi\" in the cluster "
                      "file)");
    auto path = llvm::sys::findProgramByName("mpirun");
    if (!path)
      return runError("--transport mpi: mpirun is not installed (apt-get "
                      "install openmpi-bin)");
    mpirun = mpirunCommand(*path);
  }

  // Start every device (over MPI: one mpirun job, device k as rank k); each
  // reports to run/device_<k>.json.
  ProcessGroup group;
  std::vector<std::string> reports;
  for (const Device &d : devices) {
    std::string report = (runDir + "/device_" + llvm::Twine(d.rank) + ".json").str();
    llvm::sys::fs::remove(report);
    reports.push_back(report);
    std::vector<std::string> argv = launcher;
    llvm::StringRef exeDir = llvm::sys::path::parent_path(d.executable);
    argv.insert(argv.end(), {
        mpi ? d.executable + "_mpi" : d.executable,
        "--cluster", outDir + "/cluster.json",
        "--weights", (exeDir + "/weights.bin").str(),
        "--repeat", std::to_string(repeat),
        "--report", report,
        "--timeout", llvm::formatv("{0}", options.timeout).str()});
    for (const std::string &in : d.inputs)
      argv.insert(argv.end(), {"--input", in});
    for (const std::string &out : d.outputs)
      argv.insert(argv.end(), {"--output", out});
    for (const std::string &in : d.inputSeqs)
      argv.insert(argv.end(), {"--input-seq", in});
    for (const std::string &out : d.outputSeqs)
      argv.insert(argv.end(), {"--output-seq", out});
    if (mpi) {
      // MPMD: "-np 1 device_0 ARGS : -np 1 device_1 ARGS : ...".
      if (d.rank > 0)
        mpirun.push_back(":");
      mpirun.insert(mpirun.end(), {"-np", "1"});
      mpirun.insert(mpirun.end(), argv.begin(), argv.end());
      continue;
    }
    std::string error;
    if (!group.spawn(argv, error))
      return runError("device " + llvm::Twine(d.rank) + " (" + d.name +
                         "): " + error);
  }
  std::string spawnError;
  if (mpi && !group.spawn(mpirun, spawnError))
    return runError("mpirun: " + spawnError);
  // Each inference is bounded by the devices' own timeouts; this bound only
  // guards against a device that ignores them.
  double deadline = options.timeout * 2 + 10 + repeat * options.timeout;
  // After the first failure the others get their own timeout (and a second)
  // to notice and say what happened to them before they are stopped.
  int failed = group.waitAll(deadline, options.timeout + 1);
  if (failed != -1)
    removeOutputs();
  if (failed == -2)
    return runError(llvm::formatv("the devices did not finish within {0} s; "
                                     "all were stopped",
                                     deadline));
  if (failed >= 0 && mpi)
    return runError("mpirun " + group.results()[failed].describe() +
                    " (the devices' errors are above)");
  if (failed >= 0) {
    const Device &d = devices[failed];
    std::string others;
    for (auto [i, r] : llvm::enumerate(group.results())) {
      if ((int)i == failed)
        continue;
      others += llvm::formatv("; device {0} ({1}) {2}", devices[i].rank,
                              devices[i].name,
                              r.stoppedByUs ? "was stopped" : r.describe())
                    .str();
    }
    return runError(llvm::formatv("device {0} ({1}) failed first: {2}{3}",
                                     d.rank, d.name,
                                     group.results()[failed].describe(),
                                     others));
  }

  // Gather the reports.
  std::map<std::string, int64_t> links;
  double latency = 0;
  std::vector<double> deviceLatency;
  for (auto [i, path] : llvm::enumerate(reports)) {
    auto report = readJson(path);
    if (!report)
      return report.takeError();
    const json::Object *o = report->getAsObject();
    double l = o ? o->getNumber("latency_ms").value_or(0) : 0;
    deviceLatency.push_back(l);
    // The devices that produce the model's outputs finish the inference.
    if (!devices[i].outputs.empty() || !devices[i].outputSeqs.empty())
      latency = std::max(latency, l);
    if (const json::Object *ls = o ? o->getObject("links") : nullptr)
      for (const auto &kv : *ls)
        links[kv.first.str()] += kv.second.getAsInteger().value_or(0);
  }
  std::map<std::string, int64_t> expected;
  for (const auto &kv : *linksJson)
    expected[kv.first.str()] = kv.second.getAsInteger().value_or(0);
  int64_t total = 0;
  for (auto &[link, bytes] : links)
    total += bytes;
  result.links = links;
  result.expected = expected;
  result.total = total;
  result.latency = latency;
  result.deviceLatency = deviceLatency;
  result.devices = devices;
  for (int64_t r = 0; r < (batch ? repeat : 1); ++r)
    result.firstOutputs.push_back(batch ? nthFile(outBase + "/output_%d.pb", r)
                                        : outputPath(outBase, 0));
  return result;
}

int sepnn::driver::runRun(int argc, char **argv) {
  auto args = parseArgs(argc, argv, 2,
                        {"--input", "--inputs", "-o", "--transport", "--repeat",
                         "--report", "--timeout"},
                        {});
  if (!args)
    return reportError(args.takeError());
  if (args->positional.size() != 1)
    return reportError("run: expected one OUTDIR");
  std::string outDir = args->positional[0];
  auto repeat = args->getInt("--repeat", 1);
  auto timeout = args->getReal("--timeout", 30);
  if (!repeat)
    return reportError(repeat.takeError());
  if (!timeout)
    return reportError(timeout.takeError());
  if (*repeat < 1)
    return reportError("--repeat: must be at least 1");
  std::string transport = args->get("--transport");
  if (!transport.empty() && transport != "tcp" && transport != "mpi")
    return reportError("--transport: expected tcp or mpi, got '" + transport +
                       "'");

  if (args->has("--inputs") && (args->has("--input") || args->has("--repeat")))
    return reportError("--inputs DIR runs one inference per file of DIR: it "
                       "cannot be mixed with --input or --repeat");
  RunOptions options{outDir,   args->all("--input"), args->get("-o"),
                     *repeat,  *timeout,             transport,
                     args->get("--inputs")};
  auto run = runDevices(options);
  if (!run)
    return reportError(run.takeError());
  auto &[devices, deviceLatency, latency, links, expected, total,
         firstOutputs, usedTransport, inferences] = *run;

  // Compressed transfers: run the f32-transfer twin on the same inputs and
  // compare outputs (every inference's, in batch mode).
  std::optional<double> errorVsF32;
  std::string referenceDir = outDir + "/f32-reference";
  if (llvm::sys::fs::exists(referenceDir + "/manifest.json")) {
    RunOptions reference = options;
    reference.outDir = referenceDir;
    reference.outBase = "";
    reference.repeat = 1;
    auto refRun = runDevices(reference);
    if (!refRun)
      return reportError("f32-reference: " + llvm::toString(refRun.takeError()));
    errorVsF32 = 0;
    for (auto [out, ref] : llvm::zip(firstOutputs, refRun->firstOutputs)) {
      auto error = maxAbsDifference(out, ref);
      if (!error)
        return reportError(error.takeError());
      errorVsF32 = std::max(*errorVsF32, *error);
    }
  }
  bool match = links == expected;

  llvm::outs() << llvm::formatv("sepnn run: {0} devices, {1} inference(s)\n",
                                devices.size(), inferences);
  llvm::outs() << llvm::formatv("  latency_ms (median): {0:F3}\n", latency);
  for (auto [i, d] : llvm::enumerate(devices))
    llvm::outs() << llvm::formatv("  device {0} ({1}): {2:F3} ms\n", d.rank,
                                  d.name, deviceLatency[i]);
  for (auto &[link, bytes] : links)
    llvm::outs() << llvm::formatv("  link {0}: {1} bytes/inference\n", link,
                                  bytes);
  llvm::outs() << llvm::formatv(
      "  total: {0} bytes/inference ({1} manifest.json)\n", total,
      match ? "matches" : "DOES NOT match");
  if (errorVsF32)
    llvm::outs() << llvm::formatv(
        "  max abs error vs f32 transfers: {0:e}\n", *errorVsF32);

  if (args->has("--report"))
    if (auto e = writeJson(args->get("--report"), [&](json::OStream &j) {
          j.attribute("latency_ms", latency);
          j.attribute("repeat", inferences);
          j.attribute("transport", usedTransport);
          j.attributeArray("devices", [&] {
            for (auto [i, d] : llvm::enumerate(devices))
              j.object([&] {
                j.attribute("rank", d.rank);
                j.attribute("name", d.name);
                j.attribute("latency_ms", deviceLatency[i]);
              });
          });
          j.attributeObject("links", [&] {
            for (auto &[link, bytes] : links)
              j.attribute(link, bytes);
          });
          j.attribute("bytes_per_inference", total);
          j.attribute("manifest_bytes_match", match);
          if (errorVsF32)
            j.attribute("max_error_vs_f32", *errorVsF32);
        }))
      return reportError(std::move(e));
  if (!match)
    return reportError(outDir + "/manifest.json" +
                       ": the bytes the devices sent differ from the manifest");
  return 0;
}
