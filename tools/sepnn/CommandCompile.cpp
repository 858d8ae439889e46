// sepnn compile: import, partition, lower, emit, build.
#include "Args.h"
#include "Commands.h"
#include "ModelLoading.h"
#include "sepnn/Conversion/Passes.h"
#include "sepnn/Import/ONNX.h"
#include "sepnn/InitAll.h"
#include "sepnn/Pipelines/Pipelines.h"
#include "sepnn/Search/Search.h"
#include "sepnn/Support/Cluster.h"
#include "sepnn/Target/EmitDevices.h"

#include "Dist/DistOps.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace ::sepnn::driver;

namespace {

llvm::Error runTool(llvm::StringRef tool, llvm::ArrayRef<llvm::StringRef> args,
                    llvm::StringRef log) {
  llvm::ErrorOr<std::string> path = llvm::sys::findProgramByName(tool);
  if (!path)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   tool + ": not found on PATH");
  std::vector<llvm::StringRef> argv{*path};
  argv.insert(argv.end(), args.begin(), args.end());
  std::optional<llvm::StringRef> redirects[] = {std::nullopt, log, log};
  std::string message;
  int rc = llvm::sys::ExecuteAndWait(*path, argv, std::nullopt, redirects, 0,
                                     0, &message);
  if (rc != 0)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "building the device executables failed (" + tool + " exited with " +
            llvm::Twine(rc) + "); see " + log);
  return llvm::Error::success();
}

/// The cluster used when none is given: N local devices on loopback.
std::string localClusterJson(int64_t devices, int64_t basePort) {
  std::string text = "{\n  \"devices\": [\n";
  for (int64_t k = 0; k < devices; ++k)
    text += llvm::formatv("    {{\"name\": \"local{0}\", \"host\": "
                          "\"127.0.0.1\", \"port\": {1}}{2}\n",
                          k, basePort + k, k + 1 < devices ? "," : "")
                .str();
  text += "  ],\n  \"links\": {\"default\": {\"mbps\": 1000, \"latency_ms\": "
          "0.1}},\n  \"transport\": \"tcp\"\n}\n";
  return text;
}

/// Host builds link the runtime that was built with this sepnn: one compiler
/// call per device and transport, about a second each. MPI executables
/// (device_<k>_mpi) link the MPI main through Open MPI's compiler wrapper.
llvm::Error buildWithPrebuiltRuntime(const std::string &outDir,
                                     size_t devices,
                                     const std::string &runtimeDir,
                                     const std::string &prebuilt,
                                     llvm::ArrayRef<std::string> transports) {
  for (const std::string &transport : transports) {
    bool mpi = transport == "mpi";
    if (mpi && !llvm::sys::fs::exists(prebuilt + "/libsepnn_rt_mpi_main.a"))
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          "the cluster's transport is mpi but this sepnn was built without "
          "Open MPI (apt-get install openmpi-bin libopenmpi-dev, then "
          "rebuild sepnn)");
    for (size_t k = 0; k < devices; ++k) {
      std::string dir = outDir + "/device_" + std::to_string(k);
      std::string exe = dir + "/device_" + std::to_string(k) + (mpi ? "_mpi" : "");
      // The compiler and flags that built libsepnn_rt.a (sanitizer builds
      // included): its objects link only with their own kind.
      std::vector<std::string> argv = {"-std=c++17", "-O2"};
      llvm::SmallVector<llvm::StringRef> flags;
      llvm::StringRef(SEPNN_RUNTIME_CXX_FLAGS).split(flags, ' ', -1, false);
      argv.insert(argv.end(), flags.begin(), flags.end());
      argv.insert(argv.end(), {"-I", runtimeDir + "/include",
          dir + "/program.cpp",
          prebuilt + (mpi ? "/libsepnn_rt_mpi_main.a" : "/libsepnn_rt_main.a"),
          prebuilt + "/libsepnn_rt.a", "-pthread", "-o", exe});
      llvm::SmallVector<llvm::StringRef> extraLibs;
      llvm::StringRef(SEPNN_RUNTIME_EXTRA_LIBS).split(extraLibs, ';', -1, false);
      argv.insert(argv.end() - 2, extraLibs.begin(), extraLibs.end());
      std::vector<llvm::StringRef> refs(argv.begin(), argv.end());
      // mpicxx wraps the compiler named by OMPI_CXX.
      if (mpi)
        ::setenv("OMPI_CXX", SEPNN_RUNTIME_CXX, /*overwrite=*/0);
      if (auto e = runTool(mpi ? "mpicxx" : SEPNN_RUNTIME_CXX, refs,
                           dir + (mpi ? "/build_mpi.log" : "/build.log")))
        return e;
    }
  }
  return llvm::Error::success();
}

/// Cross builds (and --cmake) go through the generated CMake project, which
/// builds the runtime from source for the target.
llvm::Error buildWithCMake(const std::string &outDir,
                           const std::string &target) {
  std::string buildDir = outDir + "/build";
  std::vector<std::string> configure = {"-S", outDir, "-B", buildDir, "-G",
                                        "Ninja", "-DCMAKE_BUILD_TYPE=Release"};
  if (target == "aarch64")
    configure.push_back("-DCMAKE_TOOLCHAIN_FILE=" SEPNN_SOURCE_DIR
                        "/cmake/aarch64-linux-gnu.cmake");
  std::vector<llvm::StringRef> refs(configure.begin(), configure.end());
  if (auto e = runTool("cmake", refs, outDir + "/configure.log"))
    return e;
  return runTool("cmake", {"--build", buildDir}, outDir + "/build.log");
}

/// OUTDIR/cluster.json is a copy of the cluster file, so a relative "key_file"
/// must exist relative to OUTDIR too: the key is copied there, created readable
/// by its owner only. (An absolute path names a file each device keeps itself.)
llvm::Error copyClusterKey(const mlir::sepnn::Cluster &cluster,
                           const std::string &clusterPath,
                           const std::string &outDir) {
  if (cluster.keyFile.empty() || llvm::sys::path::is_absolute(cluster.keyFile))
    return llvm::Error::success();
  auto fail = [&](const llvm::Twine &what) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   clusterPath + ": key_file: " + what);
  };
  for (llvm::StringRef part : llvm::make_range(
           llvm::sys::path::begin(cluster.keyFile), llvm::sys::path::end(cluster.keyFile)))
    if (part == "..")
      return fail("'" + cluster.keyFile +
                  "' leaves the cluster file's directory (use an absolute path)");
  llvm::SmallString<256> from(llvm::sys::path::parent_path(clusterPath));
  llvm::sys::path::append(from, cluster.keyFile);
  llvm::SmallString<256> to(outDir);
  llvm::sys::path::append(to, cluster.keyFile);
  auto key = llvm::MemoryBuffer::getFile(from, /*IsText=*/false);
  if (!key)
    return fail(from + ": cannot read: " + key.getError().message());
  if (llvm::sys::fs::equivalent(from, to))
    return llvm::Error::success(); // compiling into the cluster file's own directory
  if (auto ec = llvm::sys::fs::create_directories(llvm::sys::path::parent_path(to)))
    return fail(llvm::sys::path::parent_path(to) + ": cannot create: " + ec.message());
  int fd;
  if (auto ec = llvm::sys::fs::openFileForWrite(to, fd, llvm::sys::fs::CD_CreateAlways,
                                                llvm::sys::fs::OF_None, 0600))
    return fail(to + ": cannot create: " + ec.message());
  llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
  os << (*key)->getBuffer();
  os.close();
  if (os.has_error())
    return fail(to + ": write error: " + os.error().message());
  // An existing file keeps its mode through CD_CreateAlways.
  if (auto ec = llvm::sys::fs::setPermissions(
          to, llvm::sys::fs::owner_read | llvm::sys::fs::owner_write))
    return fail(to + ": " + ec.message());
  return llvm::Error::success();
}

} // namespace

int ::sepnn::driver::runCompile(int argc, char **argv) {
  auto args = parseArgs(argc, argv, 2,
                        {"--cluster", "--policy", "-o", "--target",
                         "--devices", "--base-port", "--input-shape"},
                        {"--no-build", "--cmake", "--even-split"});
  if (!args)
    return reportError(args.takeError());
  if (args->positional.size() != 1)
    return reportError("compile: expected one MODEL.onnx");
  if (!args->has("-o"))
    return reportError("compile: missing -o OUTDIR");
  std::string model = args->positional[0];
  std::string outDir = args->get("-o");
  std::string target = args->get("--target", "host");
  if (target != "host" && target != "aarch64")
    return reportError("--target: expected host or aarch64, got '" + target +
                       "'");

  // The cluster: the given file, or N local devices.
  if (auto e = llvm::sys::fs::create_directories(outDir))
    return reportError(outDir + ": cannot create: " + e.message());
  std::string clusterText;
  std::string clusterPath = args->get("--cluster");
  if (!clusterPath.empty()) {
    auto buffer = llvm::MemoryBuffer::getFile(clusterPath, true);
    if (!buffer)
      return reportError(clusterPath + ": cannot read: " +
                         buffer.getError().message());
    clusterText = (*buffer)->getBuffer().str();
  } else {
    auto devices = args->getInt("--devices", 2);
    auto basePort = args->getInt("--base-port", 27000);
    if (!devices)
      return reportError(devices.takeError());
    if (!basePort)
      return reportError(basePort.takeError());
    clusterText = localClusterJson(*devices, *basePort);
  }
  std::string outCluster = (outDir + "/cluster.json");
  auto cluster = mlir::sepnn::parseCluster(
      clusterText, clusterPath.empty() ? outCluster : clusterPath);
  if (!cluster)
    return reportError(cluster.takeError());
  if (auto e = writeText(outCluster, clusterText))
    return reportError(std::move(e));
  if (auto e = copyClusterKey(*cluster, clusterPath, outDir))
    return reportError(std::move(e));

  DriverContext driver;
  MLIRContext &context = driver.context;
  auto module = importModel(*args, model, &context);
  if (!module)
    return reportError(module.takeError());

  std::string policyPath = args->get("--policy");
  if (policyPath.empty() && !args->has("--even-split")) {
    // No policy: search one for this cluster (design.md 4.2).
    FailureOr<func::FuncOp> func = cleanModel(**module, model);
    if (failed(func))
      return 1;
    auto searched = mlir::sepnn::searchPolicy(*func, *cluster, {});
    if (failed(searched))
      return 1;
    policyPath = outDir + "/policy.json";
    if (auto e = writeText(policyPath,
                           mlir::sepnn::policyToJson(searched->policy)))
      return reportError(std::move(e));
    llvm::outs() << llvm::formatv(
        "searched a policy ({0}): predicted {1:F3} ms, {2} bytes/inference\n",
        policyPath, searched->prediction.latencyMs, searched->prediction.bytes);
  }

  PassManager partition(&context);
  mlir::sepnn::PartitionPipelineOptions options;
  options.policy = policyPath;
  options.cluster = outCluster;
  mlir::sepnn::buildPartitionPipeline(partition, options);
  if (failed(partition.run(**module)))
    return 1;
  {
    // For the curious: the partitioned program, weights elided.
    std::error_code ec;
    llvm::raw_fd_ostream os(outDir + "/partitioned.mlir", ec);
    if (!ec)
      (*module)->print(os, OpPrintingFlags().elideLargeResourceString(64));
  }
  // With compressed transfers, an f32-transfer twin of the same partition
  // lets `sepnn run` report the error the compression costs.
  bool compressed = false;
  (*module)->walk([&](mlir::sepnn::dist::SendOp send) {
    compressed |= send.getWire().has_value();
  });
  OwningOpRef<ModuleOp> reference;
  if (compressed) {
    reference = (*module)->clone();
    reference->walk([](Operation *op) {
      if (isa<mlir::sepnn::dist::SendOp, mlir::sepnn::dist::RecvOp>(op))
        op->removeAttr("wire");
    });
  }

  mlir::sepnn::EmitOptions emit;
  const char *runtimeOverride = getenv("SEPNN_RUNTIME_DIR");
  emit.runtimeDir = runtimeOverride ? runtimeOverride : SEPNN_RUNTIME_DIR;
  emit.source = model;
  emit.target = target;
  for (const auto &d : cluster->devices)
    emit.deviceNames.push_back(d.name);
  // An "mpi" cluster gets both: `sepnn run --transport` picks one.
  if (cluster->transport == "mpi") {
    if (target != "host")
      return reportError("the MPI transport is built for --target host only "
                         "(Debian has no Open MPI for cross builds)");
    emit.transports.push_back("mpi");
  }
  std::string prebuilt = SEPNN_RUNTIME_BUILD_DIR;
  bool usePrebuilt = target == "host" && !args->has("--cmake") &&
                     !runtimeOverride &&
                     llvm::sys::fs::exists(prebuilt + "/libsepnn_rt.a") &&
                     llvm::sys::fs::exists(prebuilt + "/libsepnn_rt_main.a");

  // Lowers, emits and (unless --no-build) builds one module into `dir`.
  auto produce = [&](ModuleOp m, const std::string &dir) -> llvm::Error {
    PassManager lower(&context);
    lower.addPass(mlir::sepnn::createConvertDevicesToEmitC());
    if (failed(lower.run(m)))
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     model + ": lowering to EmitC failed");
    if (auto e = mlir::sepnn::emitDevicePrograms(m, dir, emit))
      return e;
    if (args->has("--no-build"))
      return llvm::Error::success();
    return usePrebuilt ? buildWithPrebuiltRuntime(dir, cluster->devices.size(),
                                                  emit.runtimeDir, prebuilt,
                                                  emit.transports)
                       : buildWithCMake(dir, target);
  };
  if (auto e = produce(**module, outDir))
    return reportError(std::move(e));
  if (reference) {
    std::string dir = outDir + "/f32-reference";
    if (auto e = produce(*reference, dir))
      return reportError(std::move(e));
    if (auto e = writeText(dir + "/cluster.json", clusterText))
      return reportError(std::move(e));
  }
  if (args->has("--no-build"))
    return 0;
  llvm::outs() << "compiled " << cluster->devices.size()
               << " device executables into " << outDir << "\n";
  return 0;
}
