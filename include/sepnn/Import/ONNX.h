// ONNX -> nn importer.
#ifndef SEPNN_IMPORT_ONNX_H
#define SEPNN_IMPORT_ONNX_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/Support/Error.h"

#include <map>
#include <string>
#include <vector>

namespace mlir::sepnn {

/// Every model is brought to this opset (default domain) by ONNX's version
/// converter before import, so the importer handles one set of semantics.
constexpr int kTargetOpset = 17;

/// Imports a binary `.onnx` or textual `.onnxtext` model: ONNX checker,
/// version conversion to kTargetOpset, shape inference, then one
/// `func.func @main` of nn ops. Errors read `<file>: ...`, naming the node
/// (`<file>: node '<name>' (<OpType>): unsupported op`).
/// Static shapes for graph inputs, by name (`--input-shape name=1x3x224x224`),
/// replacing whatever the model declares (dynamic dimensions included).
using InputShapes = std::map<std::string, std::vector<int64_t>>;

llvm::Expected<OwningOpRef<ModuleOp>>
importONNXFile(llvm::StringRef path, MLIRContext *context,
               const InputShapes &inputShapes = {});

/// Parses `name=1x3x224x224` into `shapes`.
llvm::Error parseInputShape(llvm::StringRef text, InputShapes &shapes);

} // namespace mlir::sepnn

#endif
