// sepnn run: start every device of OUTDIR on this machine, wait for all,
// report latency and bytes per link, and check them against the manifest.
#include "Args.h"
#include "Commands.h"
#include "ProcessGroup.h"

#include "llvm/Support/FileSystem.h"
#include "onnx/onnx_pb.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <sys/utsname.h>

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
};

/// Output i goes to OUT.pb for i = 0 and OUT_<i>.pb after that.
std::string outputPath(const std::string &base, size_t index) {
  if (index == 0)
    return base;
  llvm::SmallString<128> path(base);
  llvm::sys::path::replace_extension(path, "");
  return (path + "_" + llvm::Twine(index) + ".pb").str();
}

/// Checks that a TensorProto file holds a float tensor of `shape`.
llvm::Error checkInputFile(const std::string &path, const std::string &name,
                           const std::vector<int64_t> &shape) {
  auto fail = [&](const llvm::Twine &message) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   path + ": " + message);
  };
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer)
    return fail("cannot read: " + buffer.getError().message());
  onnx::TensorProto tensor;
  if (!tensor.ParseFromArray((*buffer)->getBufferStart(),
                             (*buffer)->getBufferSize()))
    return fail("not an ONNX TensorProto file");
  std::vector<int64_t> dims(tensor.dims().begin(), tensor.dims().end());
  auto text = [](const std::vector<int64_t> &s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i)
      out += (i ? "x" : "") + std::to_string(s[i]);
    return out.empty() ? std::string("scalar") : out;
  };
  if (tensor.data_type() != onnx::TensorProto::FLOAT)
    return fail("input '" + name + "' has element type " +
                onnx::TensorProto::DataType_Name(
                    (onnx::TensorProto::DataType)tensor.data_type()) +
                ", the model expects FLOAT");
  if (dims != shape)
    return fail("input '" + name + "' has shape " + text(dims) +
                ", the model expects " + text(shape));
  return llvm::Error::success();
}

bool hostIsAArch64() {
  struct utsname info;
  return uname(&info) == 0 && llvm::StringRef(info.machine) == "aarch64";
}

} // namespace

int sepnn::driver::runRun(int argc, char **argv) {
  auto args = parseArgs(argc, argv, 2,
                        {"--input", "-o", "--transport", "--repeat",
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
  std::string transport = args->get("--transport", "tcp");
  if (transport != "tcp")
    return reportError("--transport: '" + transport +
                       "' is not available (this build has: tcp)");

  std::string manifestPath = outDir + "/manifest.json";
  auto manifestValue = readJson(manifestPath);
  if (!manifestValue)
    return reportError(manifestValue.takeError());
  const json::Object *manifest = manifestValue->getAsObject();
  const json::Array *devicesJson = manifest ? manifest->getArray("devices") : nullptr;
  const json::Array *inputsJson = manifest ? manifest->getArray("inputs") : nullptr;
  const json::Array *outputsJson = manifest ? manifest->getArray("outputs") : nullptr;
  const json::Object *linksJson = manifest ? manifest->getObject("links") : nullptr;
  if (!devicesJson || !inputsJson || !outputsJson || !linksJson)
    return reportError(manifestPath +
                       ": missing devices, inputs, outputs or links");

  std::vector<Device> devices;
  for (const json::Value &d : *devicesJson) {
    const json::Object *o = d.getAsObject();
    if (!o || !o->getInteger("rank") || !o->getString("executable"))
      return reportError(manifestPath + ": devices: malformed entry");
    devices.push_back({*o->getInteger("rank"),
                       o->getString("name").value_or("").str(),
                       (outDir + "/" + *o->getString("executable")).str(),
                       {},
                       {}});
  }
  const std::vector<std::string> &inputFiles = args->all("--input");
  if (inputFiles.size() != inputsJson->size())
    return reportError(llvm::formatv("the model has {0} input(s) but {1} "
                                     "--input file(s) were given",
                                     inputsJson->size(), inputFiles.size()));
  for (auto [i, in] : llvm::enumerate(*inputsJson)) {
    const json::Object *o = in.getAsObject();
    int64_t rank = o->getInteger("device").value_or(0);
    std::vector<int64_t> shape;
    if (const json::Array *dims = o->getArray("shape"))
      for (const json::Value &d : *dims)
        shape.push_back(d.getAsInteger().value_or(-1));
    // Catch a wrong input here, once, rather than in a device mid-run.
    if (auto e = checkInputFile(inputFiles[i],
                                o->getString("name").value_or("").str(), shape))
      return reportError(std::move(e));
    devices.at(rank).inputs.push_back(inputFiles[i]);
  }
  llvm::SmallString<128> runDir(outDir);
  llvm::sys::path::append(runDir, "run");
  llvm::sys::fs::create_directories(runDir);
  std::string outBase = args->get("-o", (runDir + "/output.pb").str());
  for (auto [i, out] : llvm::enumerate(*outputsJson)) {
    int64_t rank = out.getAsObject()->getInteger("device").value_or(0);
    devices.at(rank).outputs.push_back(outputPath(outBase, i));
  }

  // An aarch64 build runs through qemu's user-mode emulator on other hosts.
  std::vector<std::string> launcher;
  std::string target = manifest->getString("target").value_or("host").str();
  if (target == "aarch64" && !hostIsAArch64()) {
    auto qemu = llvm::sys::findProgramByName("qemu-aarch64-static");
    if (!qemu)
      return reportError(manifestPath + ": the devices are aarch64 binaries and "
                         "qemu-aarch64-static is not installed "
                         "(apt-get install qemu-user-static)");
    launcher = {*qemu, "-L", "/usr/aarch64-linux-gnu"};
  }

  // Start every device; each reports to run/device_<k>.json.
  ProcessGroup group;
  std::vector<std::string> reports;
  for (const Device &d : devices) {
    std::string report = (runDir + "/device_" + llvm::Twine(d.rank) + ".json").str();
    llvm::sys::fs::remove(report);
    reports.push_back(report);
    std::vector<std::string> argv = launcher;
    llvm::StringRef exeDir = llvm::sys::path::parent_path(d.executable);
    argv.insert(argv.end(), {
        d.executable, "--cluster", outDir + "/cluster.json",
        "--weights", (exeDir + "/weights.bin").str(),
        "--repeat", std::to_string(*repeat),
        "--report", report,
        "--timeout", llvm::formatv("{0}", *timeout).str()});
    for (const std::string &in : d.inputs)
      argv.insert(argv.end(), {"--input", in});
    for (const std::string &out : d.outputs)
      argv.insert(argv.end(), {"--output", out});
    std::string error;
    if (!group.spawn(argv, error))
      return reportError("device " + llvm::Twine(d.rank) + " (" + d.name +
                         "): " + error);
  }
  // Each inference is bounded by the devices' own timeouts; this bound only
  // guards against a device that ignores them.
  double deadline = *timeout * 2 + 10 + *repeat * *timeout;
  int failed = group.waitAll(deadline, std::min(*timeout, 3.0));
  if (failed == -2)
    return reportError(llvm::formatv("the devices did not finish within {0} s; "
                                     "all were stopped",
                                     deadline));
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
    return reportError(llvm::formatv("device {0} ({1}) failed first: {2}{3}",
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
      return reportError(report.takeError());
    const json::Object *o = report->getAsObject();
    double l = o ? o->getNumber("latency_ms").value_or(0) : 0;
    deviceLatency.push_back(l);
    // The devices that produce the model's outputs finish the inference.
    if (!devices[i].outputs.empty())
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
  bool match = links == expected;

  llvm::outs() << llvm::formatv("sepnn run: {0} devices, {1} inference(s)\n",
                                devices.size(), *repeat);
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

  if (args->has("--report")) {
    std::error_code ec;
    llvm::raw_fd_ostream os(args->get("--report"), ec);
    if (ec)
      return reportError(args->get("--report") + ": cannot write: " +
                         ec.message());
    json::OStream j(os, 2);
    j.object([&] {
      j.attribute("latency_ms", latency);
      j.attribute("repeat", *repeat);
      j.attribute("transport", transport);
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
    });
    os << "\n";
  }
  if (!match)
    return reportError(manifestPath +
                       ": the bytes the devices sent differ from the manifest");
  return 0;
}
