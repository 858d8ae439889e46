// Tensors known at import time (initializers, Constant nodes, shapes of
// statically shaped values) and the shape arithmetic that exporters emit
// around Reshape/Slice/Pad (Shape, Gather, Cast, Concat, ...), evaluated on
// the host so that it never reaches the device programs.
#ifndef SEPNN_LIB_IMPORT_ONNX_HOSTCONSTANTS_H
#define SEPNN_LIB_IMPORT_ONNX_HOSTCONSTANTS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "onnx/onnx_pb.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mlir::sepnn {

struct HostTensor {
  std::vector<int64_t> shape;
  std::vector<double> values; // row-major
  int32_t dtype = onnx::TensorProto::FLOAT;

  bool isFloat() const {
    return dtype == onnx::TensorProto::FLOAT ||
           dtype == onnx::TensorProto::DOUBLE ||
           dtype == onnx::TensorProto::FLOAT16;
  }
  std::vector<int64_t> asIntegers() const;
  int64_t numElements() const;
};

/// Decodes an ONNX tensor stored in the model; nothing for unsupported
/// element types or external data.
std::optional<HostTensor> decodeTensorProto(const onnx::TensorProto &t);

/// The inverse of decodeTensorProto, for folded values written back into the
/// model as initializers.
onnx::TensorProto encodeTensorProto(const HostTensor &t, const std::string &name);

/// Replaces every foldable node whose inputs are known by initializers
/// holding its outputs (so that shape inference sees them as constants).
/// Returns whether anything was folded.
bool foldShapeArithmetic(onnx::ModelProto &model);

/// Op types that the importer can evaluate on the host (shape arithmetic).
bool isHostFoldableOp(llvm::StringRef opType);

/// Evaluates `node` on known inputs, or returns nothing when the node is not
/// part of the shape arithmetic sepnn folds. `inputShapes[i]` is the static
/// shape of input i when known (Shape needs no value, only the shape).
std::optional<std::vector<HostTensor>>
evaluateOnHost(const onnx::NodeProto &node,
               llvm::ArrayRef<const HostTensor *> inputs,
               llvm::ArrayRef<std::optional<std::vector<int64_t>>> inputShapes);

} // namespace mlir::sepnn

#endif
