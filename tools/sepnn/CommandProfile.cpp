// sepnn profile: measures this machine as device K of a cluster (GFLOP/s per
// op class with the runtime's kernels) and, with --link, the bandwidth and
// latency of a link between two device processes, and writes the figures
// into CLUSTER.json for the search's cost model.
#include "Args.h"
#include "Commands.h"
#include "ModelLoading.h"
#include "sepnn/Support/Cluster.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

using namespace ::sepnn::driver;
namespace json = llvm::json;

int ::sepnn::driver::runProfile(int argc, char **argv) {
  auto args = parseArgs(argc, argv, 2,
                        {"--cluster", "--device", "--link", "--seconds",
                         "--port"},
                        {});
  if (!args)
    return reportError(args.takeError());
  if (!args->positional.empty())
    return reportError("profile: unexpected argument '" +
                       args->positional[0] + "'");
  std::string path = args->get("--cluster");
  if (path.empty())
    return reportError("profile: missing --cluster CLUSTER.json");
  auto cluster = mlir::sepnn::readClusterFile(path); // validates it
  if (!cluster)
    return reportError(cluster.takeError());
  auto device = args->getInt("--device", 0);
  if (!device)
    return reportError(device.takeError());
  if (*device < 0 || *device >= (int64_t)cluster->devices.size())
    return reportError(llvm::formatv("--device: {0} is not a device of {1} "
                                     "({2} devices)",
                                     *device, path, cluster->devices.size()));
  std::string link = args->get("--link");
  if (!link.empty() && link != "default" && link.find('-') == std::string::npos)
    return reportError("--link: expected 'default' or 'A-B' (two devices), "
                       "got '" + link + "'");

  // The measurement runs in the runtime's own profiler.
  std::string profiler = SEPNN_RUNTIME_BUILD_DIR "/sepnn_rt_profile";
  if (!llvm::sys::fs::can_execute(profiler))
    return reportError(profiler + ": not built (build sepnn first)");
  llvm::SmallString<128> output;
  llvm::sys::fs::createTemporaryFile("sepnn-profile", "json", output);
  std::vector<std::string> argv_ = {profiler, "--seconds",
                                    args->get("--seconds", "0.3"), "--port",
                                    args->get("--port", "29400")};
  if (link.empty())
    argv_.push_back("--no-link");
  std::vector<llvm::StringRef> refs(argv_.begin(), argv_.end());
  std::optional<llvm::StringRef> redirects[] = {std::nullopt,
                                                llvm::StringRef(output),
                                                std::nullopt};
  std::string message;
  int rc = llvm::sys::ExecuteAndWait(profiler, refs, std::nullopt, redirects,
                                     0, 0, &message);
  auto measured = llvm::MemoryBuffer::getFile(output);
  llvm::sys::fs::remove(output);
  if (rc != 0 || !measured)
    return reportError(profiler + " failed" +
                       (message.empty() ? "" : ": " + message));
  auto figures = json::parse((*measured)->getBuffer());
  if (!figures)
    return reportError(profiler + ": unreadable output: " +
                       llvm::toString(figures.takeError()));

  // Write them into the cluster file, keeping everything else.
  auto text = llvm::MemoryBuffer::getFile(path);
  auto root = json::parse((*text)->getBuffer());
  if (!root)
    return reportError(path + ": " + llvm::toString(root.takeError()));
  json::Object *top = root->getAsObject();
  json::Object *profile = figures->getAsObject()->getObject("profile");
  json::Object *entry =
      (*top->getArray("devices"))[*device].getAsObject();
  (*entry)["profile"] = json::Object(*profile);
  (*entry)["gflops"] = *profile->getNumber("conv");
  llvm::outs() << llvm::formatv("device {0} ({1}): ", *device,
                                cluster->devices[*device].name);
  for (const char *cls : {"conv", "conv1x1", "depthwise", "gemm", "elementwise"})
    llvm::outs() << llvm::formatv("{0} {1:F2} ", cls,
                                  profile->getNumber(cls).value_or(0));
  llvm::outs() << "GFLOP/s\n";
  if (!link.empty()) {
    json::Object *measuredLink = figures->getAsObject()->getObject("link");
    if (!top->getObject("links"))
      (*top)["links"] = json::Object();
    (*top->getObject("links"))[link] = json::Object(*measuredLink);
    llvm::outs() << llvm::formatv(
        "link {0}: {1:F1} Mbit/s ({2:F1} each way when both send), {3:F3} ms, "
        "{4:F2} ns of CPU per byte moved\n",
        link, measuredLink->getNumber("mbps").value_or(0),
        measuredLink->getNumber("duplex_mbps").value_or(0),
        measuredLink->getNumber("latency_ms").value_or(0),
        measuredLink->getNumber("cpu_ns_per_byte").value_or(0));
  }
  if (auto e = writeText(
          path, llvm::formatv("{0:2}\n", json::Value(std::move(*root))).str()))
    return reportError(std::move(e));
  return 0;
}
