// Reading, checking, converting and shape-inferring an ONNX model with
// libonnx. The only place that calls into libonnx (which throws).
#ifndef SEPNN_LIB_IMPORT_ONNX_MODELLOADER_H
#define SEPNN_LIB_IMPORT_ONNX_MODELLOADER_H

#include "llvm/Support/Error.h"
#include "onnx/onnx_pb.h"

namespace mlir::sepnn {

/// Reads `path` (.onnxtext: ONNX's textual syntax; otherwise a binary
/// ModelProto). Errors read `<path>: <problem>`.
llvm::Expected<onnx::ModelProto> readONNXModel(llvm::StringRef path);

/// Runs the checker, infers shapes, converts to `targetOpset` and infers
/// shapes again (the converter needs shapes for some older ops).
/// ONNX shape inference (with data propagation) on `model`, in place.
llvm::Error inferONNXShapes(onnx::ModelProto &model, llvm::StringRef path);

llvm::Error prepareONNXModel(onnx::ModelProto &model, llvm::StringRef path,
                             int targetOpset);

} // namespace mlir::sepnn

#endif
