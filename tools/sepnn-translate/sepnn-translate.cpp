// sepnn-translate: ONNX -> nn IR, and device IR -> C++ directories.
//
//   sepnn-translate --import-onnx MODEL.onnx|MODEL.onnxtext [-o OUT.mlir]
//   sepnn-translate --emit-cpp FILE.mlir -o OUTDIR [--runtime-dir DIR]
//
// --emit-cpp takes the output of dist-outline-devices (it lowers it with
// convert-devices-to-emitc first) or of convert-devices-to-emitc.
#include "sepnn/Conversion/Passes.h"
#include "sepnn/Import/ONNX.h"
#include "sepnn/InitAll.h"
#include "sepnn/Target/EmitDevices.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace mlir;
namespace cl = llvm::cl;

static cl::opt<std::string> importOnnx("import-onnx",
                                       cl::desc("Import an ONNX model"),
                                       cl::value_desc("MODEL"));
static cl::opt<std::string> emitCpp("emit-cpp",
                                    cl::desc("Emit one C++ program per device"),
                                    cl::value_desc("FILE.mlir"));
static cl::opt<std::string> output("o", cl::desc("Output file or directory"),
                                   cl::init("-"));
static cl::opt<std::string> runtimeDir("runtime-dir",
                                       cl::desc("runtime/ sources"),
                                       cl::init(SEPNN_RUNTIME_DIR));

static int fail(const llvm::Twine &message) {
  llvm::errs() << "error: " << message << "\n";
  return 1;
}

static bool isLowered(ModuleOp module) {
  bool lowered = true;
  module.walk([&](func::FuncOp f) {
    if (f.getNumArguments() != 1 ||
        !isa<emitc::PointerType>(f.getArgumentTypes()[0]))
      lowered = false;
  });
  return lowered;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  cl::ParseCommandLineOptions(argc, argv, "sepnn translation tool\n");
  DialectRegistry registry;
  sepnn::registerAllDialects(registry);
  MLIRContext context(registry);

  if (!importOnnx.empty() == !emitCpp.empty())
    return fail("give exactly one of --import-onnx and --emit-cpp");

  if (!importOnnx.empty()) {
    auto module = sepnn::importONNXFile(importOnnx, &context);
    if (!module)
      return fail(llvm::toString(module.takeError()));
    std::string message;
    auto file = openOutputFile(output, &message);
    if (!file)
      return fail(message);
    (*module)->print(file->os());
    file->keep();
    return 0;
  }

  llvm::SourceMgr sourceMgr;
  OwningOpRef<ModuleOp> module =
      parseSourceFile<ModuleOp>(emitCpp, sourceMgr, &context);
  if (!module)
    return fail(emitCpp + ": cannot parse");
  if (!isLowered(*module)) {
    PassManager pm(&context);
    pm.addPass(sepnn::createConvertDevicesToEmitC());
    if (failed(pm.run(*module)))
      return fail(emitCpp + ": lowering to EmitC failed");
  }
  if (output == "-")
    return fail("--emit-cpp needs -o OUTDIR");
  sepnn::EmitOptions options;
  options.runtimeDir = runtimeDir;
  options.source = emitCpp;
  if (llvm::Error e = sepnn::emitDevicePrograms(*module, output, options))
    return fail(llvm::toString(std::move(e)));
  return 0;
}
