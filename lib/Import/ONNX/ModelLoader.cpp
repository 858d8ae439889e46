#include "ModelLoader.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/MemoryBuffer.h"
#include "onnx/checker.h"
#include "onnx/defs/parser.h"
#include "onnx/shape_inference/implementation.h"
#include "onnx/version_converter/convert.h"

#include <algorithm>
#include <exception>

using namespace llvm;

/// `<path>: <message>` on one line: libonnx's messages span several.
static Error loadError(StringRef path, const Twine &message) {
  std::string text = message.str();
  std::replace(text.begin(), text.end(), '\n', ' ');
  return createStringError(inconvertibleErrorCode(),
                           path + ": " + StringRef(text).rtrim());
}

static int64_t defaultOpset(const onnx::ModelProto &model) {
  for (const auto &opset : model.opset_import())
    if (opset.domain().empty() || opset.domain() == "ai.onnx")
      return opset.version();
  return -1;
}

Expected<onnx::ModelProto> mlir::sepnn::readONNXModel(StringRef path) {
  ErrorOr<std::unique_ptr<MemoryBuffer>> buffer = MemoryBuffer::getFile(path);
  if (!buffer)
    return loadError(path, "cannot read: " + buffer.getError().message());
  onnx::ModelProto model;
  if (path.ends_with(".onnxtext")) {
    std::string text = (*buffer)->getBuffer().str();
    onnx::Common::Status status;
    try {
      status = onnx::OnnxParser::Parse(model, text.c_str());
    } catch (const std::exception &e) {
      return loadError(path, Twine("cannot parse ONNX text: ") + e.what());
    }
    if (!status.IsOK())
      return loadError(path, "cannot parse ONNX text: " +
                                 status.ErrorMessage());
  } else {
    StringRef bytes = (*buffer)->getBuffer();
    if (bytes.empty() || !model.ParseFromArray(bytes.data(), bytes.size()))
      return loadError(path, "not a valid ONNX model (protobuf parse failed)");
    if (!model.has_graph())
      return loadError(path, "not a valid ONNX model (no graph)");
  }

  return model;
}

Error mlir::sepnn::inferONNXShapes(onnx::ModelProto &model, StringRef path) {
  try {
    onnx::ShapeInferenceOptions options(/*check_type=*/true,
                                        /*error_mode=*/1,
                                        /*enable_data_propagation=*/true);
    onnx::shape_inference::InferShapes(
        model, onnx::OpSchemaRegistry::Instance(), options);
  } catch (const std::exception &e) {
    return loadError(path, Twine("shape inference: ") + e.what());
  }
  return Error::success();
}

/// What libonnx's checker lets through but its version converter (which
/// builds its own graph IR) dereferences without checking: a graph output that
/// nothing defines crashes ImportModelProto (libonnx 1.12).
static Error checkGraphForConverter(const onnx::GraphProto &graph,
                                    StringRef path) {
  StringSet<> defined;
  for (const auto &in : graph.input())
    defined.insert(in.name());
  for (const auto &init : graph.initializer())
    defined.insert(init.name());
  for (const auto &node : graph.node())
    for (const auto &out : node.output())
      defined.insert(out);
  for (const auto &out : graph.output())
    if (!defined.contains(out.name()))
      return loadError(path, "graph output '" + out.name() +
                                 "' is not defined by any node, input or "
                                 "initializer");
  return Error::success();
}

Error mlir::sepnn::prepareONNXModel(onnx::ModelProto &model, StringRef path,
                                    int targetOpset) {
  try {
    onnx::checker::check_model(model);
  } catch (const std::exception &e) {
    return loadError(path, Twine("ONNX checker: ") + e.what());
  }
  if (Error e = checkGraphForConverter(model.graph(), path))
    return e;
  int64_t opset = defaultOpset(model);
  if (opset >= 0 && opset != targetOpset) {
    if (Error e = inferONNXShapes(model, path))
      return e;
    try {
      model = onnx::version_conversion::ConvertVersion(model, targetOpset);
    } catch (const std::exception &e) {
      return loadError(path, "cannot convert opset " + Twine(opset) + " to " +
                                 Twine(targetOpset) + ": " + e.what());
    }
  }
  return inferONNXShapes(model, path);
}
