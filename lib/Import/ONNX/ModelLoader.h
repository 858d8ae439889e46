// Reading, checking, converting and shape-inferring an ONNX model with
// libonnx. The only place that calls into libonnx (which throws).
#ifndef SEPNN_LIB_IMPORT_ONNX_MODELLOADER_H
#define SEPNN_LIB_IMPORT_ONNX_MODELLOADER_H

#include "llvm/Support/Error.h"
#include "onnx/onnx_pb.h"

namespace mlir::sepnn {

/// Loads `path` (.onnxtext: ONNX's textual syntax; otherwise a binary
/// ModelProto), runs the checker, converts to `targetOpset` and infers
/// shapes. Errors read `<path>: <problem>`.
llvm::Expected<onnx::ModelProto> loadONNXModel(llvm::StringRef path,
                                               int targetOpset);

} // namespace mlir::sepnn

#endif
