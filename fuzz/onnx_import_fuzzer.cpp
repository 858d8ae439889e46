// Fuzzes the ONNX importer (mlir::sepnn::importONNXFile): any input must give a
// module or an llvm::Error, never a crash, an abort or an escaping exception.
//
// The importer reads a path, so each input is written to a per-process temp
// file. The first byte picks the format the way the file's contents would: an
// input starting with '<', '#' or whitespace (the ONNX text syntax's header, a
// comment; bytes that cannot start a valid binary ModelProto) is imported as
// `.onnxtext`, anything else as a binary `.onnx`. The seeds are therefore plain
// model files (fuzz/seeds/onnx_import_fuzzer/), and a crash input can be
// replayed with `sepnn-translate --import-onnx` after renaming it.
#include "FuzzCheck.h"

#include "sepnn/Import/ONNX.h"

#include "Dist/DistDialect.h"
#include "NN/NNDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/EmitC/IR/EmitC.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

using namespace mlir;

namespace {

std::string tempPath(const char *ext) {
  const char *dir = std::getenv("TMPDIR");
  return std::string(dir && *dir ? dir : "/tmp") + "/sepnn-onnx-fuzz-" +
         std::to_string(getpid()) + ext;
}

std::string binaryPath, textPath;

void removeTemps() {
  std::remove(binaryPath.c_str());
  std::remove(textPath.c_str());
}

bool writeFile(const std::string &path, const uint8_t *data, size_t size) {
  FILE *f = std::fopen(path.c_str(), "wb");
  if (!f)
    return false;
  bool ok = std::fwrite(data, 1, size, f) == size;
  return std::fclose(f) == 0 && ok;
}

// The dialects sepnn's tools register (sepnn::registerAllDialects, InitAll.cpp),
// without linking the passes that registerAllPasses pulls in.
DialectRegistry &registry() {
  static DialectRegistry r = [] {
    DialectRegistry reg;
    reg.insert<sepnn::nn::NNDialect, sepnn::dist::DistDialect,
               arith::ArithDialect, func::FuncDialect, emitc::EmitCDialect>();
    return reg;
  }();
  return r;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  binaryPath = tempPath(".onnx");
  textPath = tempPath(".onnxtext");
  std::atexit(removeTemps);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const bool text = size > 0 && (data[0] == '<' || data[0] == '#' ||
                                 data[0] == ' ' || data[0] == '\t' ||
                                 data[0] == '\n' || data[0] == '\r');
  const std::string &path = text ? textPath : binaryPath;
  if (!writeFile(path, data, size)) {
    std::fprintf(stderr, "cannot write %s\n", path.c_str());
    std::abort();
  }

  // A fresh context per input: nothing (uniqued types, resource blobs) piles
  // up across millions of inputs, and no input depends on an earlier one.
  MLIRContext context(registry(), MLIRContext::Threading::DISABLED);
  ScopedDiagnosticHandler quiet(&context, [](Diagnostic &) { return success(); });

  auto module = sepnn::importONNXFile(path, &context);
  if (!module) {
    std::string message = llvm::toString(module.takeError());
    // design.md 4.1: errors are one line naming the file.
    FUZZ_CHECK(llvm::StringRef(message).starts_with(path),
               "error does not name the file: %s", message.c_str());
    return 0;
  }
  // What the importer returns verifies (it says so itself), and prints.
  FUZZ_CHECK(succeeded(verify(**module)), "imported module does not verify");
  std::string printed;
  llvm::raw_string_ostream os(printed);
  (*module)->print(os);
  return 0;
}
