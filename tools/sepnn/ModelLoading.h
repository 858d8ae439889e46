// What the driver's commands share: an MLIR context whose errors print one
// line each, importing a model with the --input-shape options, the cleaned-up
// model function, and writing output files.
#ifndef SEPNN_TOOLS_SEPNN_MODELLOADING_H
#define SEPNN_TOOLS_SEPNN_MODELLOADING_H

#include "Args.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/Support/JSON.h"

#include <functional>

namespace sepnn::driver {

/// `error: <file>: node '<name>': <message>`; notes and warnings are dropped.
void printDiagnostic(mlir::Diagnostic &diag);

/// sepnn's dialects, errors printed by printDiagnostic.
struct DriverContext {
  DriverContext();
  mlir::MLIRContext context;
  mlir::ScopedDiagnosticHandler handler;
};

/// Imports MODEL.onnx (or .onnxtext) with the command's --input-shape specs.
llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>
importModel(const Args &args, const std::string &model,
            mlir::MLIRContext *context);

/// Runs the cleanup pipeline on an imported model and returns its function;
/// a failure has been printed.
mlir::FailureOr<mlir::func::FuncOp> cleanModel(mlir::ModuleOp module,
                                               const std::string &model);

/// Writes `text` to `path`; the error names the file.
llvm::Error writeText(llvm::StringRef path, llvm::StringRef text);
/// Writes the JSON object `body` makes (indented) to `path`.
llvm::Error writeJson(llvm::StringRef path,
                      const std::function<void(llvm::json::OStream &)> &body);

} // namespace sepnn::driver

#endif
