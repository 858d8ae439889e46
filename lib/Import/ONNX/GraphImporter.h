// Builds nn IR from a checked, shape-inferred ONNX graph.
#ifndef SEPNN_LIB_IMPORT_ONNX_GRAPHIMPORTER_H
#define SEPNN_LIB_IMPORT_ONNX_GRAPHIMPORTER_H

#include "HostConstants.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringMap.h"
#include "onnx/onnx_pb.h"

#include <optional>
#include <string>

namespace mlir::sepnn {

class GraphImporter;

/// What an op importer sees of one ONNX node.
class NodeContext {
public:
  NodeContext(GraphImporter &importer, const onnx::NodeProto &node,
              std::string name, Location loc)
      : importer(importer), node(node), name(std::move(name)), loc(loc) {}

  const onnx::NodeProto &proto() const { return node; }
  Location location() const { return loc; }
  OpBuilder &builder();

  /// The i-th input; fails (with an error naming the input) when missing.
  FailureOr<Value> input(int i);
  /// The i-th input, or a null Value when absent or empty.
  FailureOr<Value> optionalInput(int i);
  /// The value of the i-th input when known at import time (an initializer,
  /// a Constant or folded shape arithmetic); nothing when absent.
  std::optional<HostTensor> constantInput(int i);
  /// Like constantInput, but an input that is given and not constant is an
  /// error naming `what`.
  FailureOr<std::optional<HostTensor>> requireConstantInput(int i,
                                                          StringRef what);
  /// The static f32 type of the i-th output from shape inference.
  FailureOr<RankedTensorType> outputType(int i);
  void setOutput(int i, Value v);
  /// Fails when an output beyond the first `count` is used by the graph.
  LogicalResult onlyOutputs(int count);

  std::optional<int64_t> intAttr(StringRef attr);
  std::optional<float> floatAttr(StringRef attr);
  std::optional<std::string> stringAttr(StringRef attr);
  std::optional<SmallVector<int64_t>> intsAttr(StringRef attr);
  const onnx::AttributeProto *attr(StringRef attr);

  /// Records `<file>: node '<name>' (<OpType>): <message>` and fails.
  LogicalResult error(const Twine &message);

private:
  GraphImporter &importer;
  const onnx::NodeProto &node;
  std::string name;
  Location loc;
};

/// One function per supported ONNX op type.
using OpImporterFn = LogicalResult (*)(NodeContext &);
/// The importer for `opType` (default domain), or null when unsupported.
OpImporterFn lookupOpImporter(StringRef opType);

/// The node's name, or `<OpType>_<index>` for an unnamed node.
std::string nodeDisplayName(const onnx::NodeProto &node, size_t index);

/// Fails with `<file>: node '<name>' (<OpType>): unsupported op` for the first
/// node sepnn cannot import, and for graph inputs or outputs that are not
/// tensors.
llvm::Error checkClaimed(const onnx::ModelProto &model, llvm::StringRef file);

class GraphImporter {
public:
  GraphImporter(MLIRContext *context, StringRef file)
      : context(context), file(file.str()), builder(context) {}

  /// Imports the model's graph into a new module, or fails with error().
  FailureOr<OwningOpRef<ModuleOp>> import(const onnx::ModelProto &model);
  const std::string &errorMessage() const { return message; }

private:
  friend class NodeContext;
  LogicalResult fail(const Twine &text) {
    message = text.str();
    return failure();
  }
  FailureOr<Value> lookup(const std::string &name);
  /// Known value of `name` (initializer or folded), if any.
  const HostTensor *hostValue(const std::string &name);
  FailureOr<RankedTensorType> staticF32Type(const std::string &name,
                                           const Twine &what);
  FailureOr<Value> importInitializer(const onnx::TensorProto &tensor);

  MLIRContext *context;
  std::string file;
  OpBuilder builder;
  std::string message;
  llvm::StringMap<Value> values;
  llvm::StringMap<HostTensor> hostValues;
  llvm::StringMap<const onnx::TensorProto *> initializers;
  llvm::StringMap<const onnx::TypeProto *> types;
  llvm::StringMap<int> uses;
};


} // namespace mlir::sepnn

#endif
