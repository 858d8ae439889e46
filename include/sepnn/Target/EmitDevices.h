// Writes one directory per device (program.cpp, weights.bin, CMakeLists.txt)
// and OUTDIR/manifest.json from a module lowered by convert-devices-to-emitc.
// Reads the IR only: every change happens in the passes before.
#ifndef SEPNN_TARGET_EMITDEVICES_H
#define SEPNN_TARGET_EMITDEVICES_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace mlir::sepnn {

struct EmitOptions {
  /// Absolute path of the runtime sources (runtime/), built with the devices.
  std::string runtimeDir;
  /// Device names, by rank (from CLUSTER.json); empty: "device_<k>".
  std::vector<std::string> deviceNames;
  /// Recorded in the manifest: the model the programs came from.
  std::string source;
  /// "host" or "aarch64", recorded in the manifest.
  std::string target = "host";
  /// The transports the executables are built for ("tcp", and "mpi" when
  /// the cluster asks for it), recorded in the manifest.
  std::vector<std::string> transports = {"tcp"};
};

llvm::Error emitDevicePrograms(ModuleOp lowered, llvm::StringRef outDir,
                               const EmitOptions &options);

} // namespace mlir::sepnn

#endif
