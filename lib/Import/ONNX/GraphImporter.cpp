#include "GraphImporter.h"
#include "ModelLoader.h"
#include "sepnn/Import/ONNX.h"
#include "sepnn/Support/Weights.h"

#include "NN/NNDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Verifier.h"
#include "llvm/Support/Endian.h"

#include <cstring>
#include <optional>

using namespace mlir;
using namespace mlir::sepnn;

// --- NodeContext -------------------------------------------------------------

OpBuilder &NodeContext::builder() { return importer.builder; }

LogicalResult NodeContext::error(const Twine &message) {
  return importer.fail(importer.file + ": node '" + name + "' (" +
                       node.op_type() + "): " + message);
}

FailureOr<Value> NodeContext::optionalInput(int i) {
  if (i >= node.input_size() || node.input(i).empty())
    return Value();
  // Importers fetch several inputs before checking any: a later input that
  // is found must not erase an earlier one's error (an empty message).
  std::string earlier = std::move(importer.message);
  importer.message.clear();
  FailureOr<Value> v = importer.lookup(node.input(i));
  if (succeeded(v))
    importer.message = std::move(earlier);
  else if (importer.message.empty())
    return error("input '" + node.input(i) + "' is not defined");
  return v;
}

std::optional<HostTensor> NodeContext::constantInput(int i) {
  if (i >= node.input_size() || node.input(i).empty())
    return std::nullopt;
  if (const HostTensor *h = importer.hostValue(node.input(i)))
    return *h;
  return std::nullopt;
}

FailureOr<std::optional<HostTensor>>
NodeContext::requireConstantInput(int i, StringRef what) {
  if (i >= node.input_size() || node.input(i).empty())
    return std::optional<HostTensor>();
  std::optional<HostTensor> h = constantInput(i);
  if (!h)
    return error(what + " ('" + node.input(i) +
                 "') must be known at compile time");
  return h;
}

FailureOr<Value> NodeContext::input(int i) {
  FailureOr<Value> v = optionalInput(i);
  if (succeeded(v) && !*v)
    return error("missing input " + Twine(i));
  return v;
}

FailureOr<RankedTensorType> NodeContext::outputType(int i) {
  if (i >= node.output_size())
    return error("missing output " + Twine(i));
  FailureOr<RankedTensorType> type =
      importer.staticF32Type(node.output(i), "output '" + node.output(i) + "'");
  if (failed(type))
    return error(importer.message);
  return type;
}

void NodeContext::setOutput(int i, Value v) {
  importer.values[node.output(i)] = v;
}

LogicalResult NodeContext::onlyOutputs(int count) {
  for (int i = count; i < node.output_size(); ++i)
    if (!node.output(i).empty() && importer.uses.lookup(node.output(i)))
      return error("output " + Twine(i) + " ('" + node.output(i) +
                   "') is not supported");
  return success();
}

const onnx::AttributeProto *NodeContext::attr(StringRef attr) {
  for (const auto &a : node.attribute())
    if (a.name() == attr)
      return &a;
  return nullptr;
}

std::optional<int64_t> NodeContext::intAttr(StringRef name) {
  if (const auto *a = attr(name))
    return a->i();
  return std::nullopt;
}

std::optional<float> NodeContext::floatAttr(StringRef name) {
  if (const auto *a = attr(name))
    return a->f();
  return std::nullopt;
}

std::optional<std::string> NodeContext::stringAttr(StringRef name) {
  if (const auto *a = attr(name))
    return a->s();
  return std::nullopt;
}

std::optional<SmallVector<int64_t>> NodeContext::intsAttr(StringRef name) {
  if (const auto *a = attr(name))
    return SmallVector<int64_t>(a->ints().begin(), a->ints().end());
  return std::nullopt;
}

// --- GraphImporter -------------------------------------------------------------

FailureOr<RankedTensorType>
GraphImporter::staticF32Type(const std::string &name, const Twine &what) {
  const onnx::TypeProto *type = types.lookup(name);
  if (!type || !type->has_tensor_type() || !type->tensor_type().has_shape())
    return fail(what + " has no inferred shape");
  const auto &tensor = type->tensor_type();
  if (tensor.elem_type() != onnx::TensorProto::FLOAT)
    return fail(what + " has element type " +
                onnx::TensorProto::DataType_Name(
                    (onnx::TensorProto::DataType)tensor.elem_type()) +
                " (only float is supported)");
  SmallVector<int64_t> shape;
  for (const auto &dim : tensor.shape().dim()) {
    if (!dim.has_dim_value())
      return fail(what + " has a dynamic dimension" +
                  (dim.has_dim_param() ? " '" + dim.dim_param() + "'" : "") +
                  " (only static shapes are supported; give the inputs' "
                  "shapes with --input-shape NAME=1x3x224x224)");
    shape.push_back(dim.dim_value());
  }
  return RankedTensorType::get(shape, builder.getF32Type());
}

const HostTensor *GraphImporter::hostValue(const std::string &name) {
  auto it = hostValues.find(name);
  if (it != hostValues.end())
    return &it->second;
  if (const onnx::TensorProto *t = initializers.lookup(name))
    if (std::optional<HostTensor> h = decodeTensorProto(*t))
      return &(hostValues[name] = std::move(*h));
  return nullptr;
}

FailureOr<Value> GraphImporter::lookup(const std::string &name) {
  if (Value v = values.lookup(name))
    return v;
  // Known tensors become device constants where an op first uses them.
  if (const onnx::TensorProto *t = initializers.lookup(name);
      t && t->has_data_location() &&
      t->data_location() == onnx::TensorProto::EXTERNAL)
    return fail(file + ": initializer '" + name +
                "' is stored in an external file, which is not supported "
                "(save the model with its weights inside)");
  const HostTensor *h = hostValue(name);
  if (!h)
    return failure();
  if (!h->isFloat())
    return fail(file + ": tensor '" + name + "' has an integer type; only " +
                "float tensors can be computed on the devices");
  std::vector<float> data(h->values.begin(), h->values.end());
  Location loc = NameLoc::get(builder.getStringAttr(name),
                              FileLineColLoc::get(context, file, 0, 0));
  // Constants go to the top of the function, where every use can see them.
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToStart(builder.getInsertionBlock());
  Value v = createF32Constant(builder, loc, h->shape, data, name);
  values[name] = v;
  return v;
}


FailureOr<OwningOpRef<ModuleOp>>
GraphImporter::import(const onnx::ModelProto &model) {
  const onnx::GraphProto &graph = model.graph();
  for (const auto &t : graph.initializer())
    initializers[t.name()] = &t;
  for (const auto *list : {&graph.input(), &graph.output(), &graph.value_info()})
    for (const auto &info : *list)
      types[info.name()] = &info.type();
  for (const auto &node : graph.node())
    for (const auto &in : node.input())
      ++uses[in];
  for (const auto &out : graph.output())
    ++uses[out.name()];

  Location fileLoc = FileLineColLoc::get(context, file, 0, 0);
  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  builder.setInsertionPointToEnd(module->getBody());

  SmallVector<Type> inputTypes, outputTypes;
  SmallVector<const onnx::ValueInfoProto *> inputs;
  for (const auto &in : graph.input()) {
    if (initializers.count(in.name()))
      continue; // an initializer listed as input (IR version < 4)
    FailureOr<RankedTensorType> type =
        staticF32Type(in.name(), file + ": graph input '" + in.name() + "'");
    if (failed(type))
      return failure();
    inputTypes.push_back(*type);
    inputs.push_back(&in);
  }
  for (const auto &out : graph.output()) {
    FailureOr<RankedTensorType> type =
        staticF32Type(out.name(), file + ": graph output '" + out.name() + "'");
    if (failed(type))
      return failure();
    outputTypes.push_back(*type);
  }

  auto func = builder.create<func::FuncOp>(
      fileLoc, "main", builder.getFunctionType(inputTypes, outputTypes));
  Block *entry = func.addEntryBlock();
  for (auto [i, in] : llvm::enumerate(inputs)) {
    values[in->name()] = entry->getArgument(i);
    func.setArgAttr(i, "nn.name", builder.getStringAttr(in->name()));
  }
  for (auto [i, out] : llvm::enumerate(graph.output()))
    func.setResultAttr(i, "nn.name", builder.getStringAttr(out.name()));
  builder.setInsertionPointToStart(entry);

  for (auto [index, node] : llvm::enumerate(graph.node())) {
    // Unnamed nodes get a stable name from their type and position.
    std::string name = nodeDisplayName(node, index);
    Location loc = NameLoc::get(builder.getStringAttr(name), fileLoc);
    NodeContext ctx(*this, node, name, loc);
    bool defaultDomain = node.domain().empty() || node.domain() == "ai.onnx";
    OpImporterFn importer =
        defaultDomain ? lookupOpImporter(node.op_type()) : nullptr;
    if (!importer)
      return failed(ctx.error("unsupported op")) ? failure() : failure();
    if (failed(importer(ctx)))
      return failure();
  }

  SmallVector<Value> results;
  for (const auto &out : graph.output()) {
    FailureOr<Value> v = lookup(out.name());
    if (failed(v))
      return fail(file + ": graph output '" + out.name() + "' is not defined");
    results.push_back(*v);
  }
  builder.create<func::ReturnOp>(fileLoc, results);
  return module;
}

std::string mlir::sepnn::nodeDisplayName(const onnx::NodeProto &node,
                                         size_t index) {
  return node.name().empty() ? node.op_type() + "_" + std::to_string(index)
                             : node.name();
}

static const char *typeKind(const onnx::TypeProto &type) {
  switch (type.value_case()) {
  case onnx::TypeProto::kTensorType:
    return "tensor";
  case onnx::TypeProto::kSequenceType:
    return "sequence";
  case onnx::TypeProto::kMapType:
    return "map";
  case onnx::TypeProto::kOptionalType:
    return "optional";
  case onnx::TypeProto::kSparseTensorType:
    return "sparse tensor";
  default:
    return "unknown";
  }
}

llvm::Error mlir::sepnn::checkClaimed(const onnx::ModelProto &model,
                                      llvm::StringRef file) {
  auto error = [&](const llvm::Twine &message) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   file + ": " + message);
  };
  const onnx::GraphProto &graph = model.graph();
  for (const auto *list : {&graph.input(), &graph.output()})
    for (const auto &info : *list)
      if (info.has_type() && !info.type().has_tensor_type())
        return error("graph " + llvm::Twine(list == &graph.input() ? "input"
                                                                   : "output") +
                     " '" + info.name() + "' is a " + typeKind(info.type()) +
                     ", which is not supported (only tensors)");
  for (auto [index, node] : llvm::enumerate(graph.node())) {
    bool defaultDomain = node.domain().empty() || node.domain() == "ai.onnx";
    if (!defaultDomain || (!lookupOpImporter(node.op_type()) &&
                           !isHostFoldableOp(node.op_type())))
      return error("node '" + nodeDisplayName(node, index) + "' (" +
                   node.op_type() + "): unsupported op");
    // libonnx 1.12's conv/pool shape inference divides by the strides (and
    // uses the other window attributes) unchecked: a zero stride is a SIGFPE.
    if (!llvm::is_contained({"Conv", "MaxPool", "AveragePool"}, node.op_type()))
      continue;
    // It also indexes the input's dims with the weight's spatial rank and the window
    // attributes' lengths unchecked: check them where the ranks are known here (the
    // graph's inputs and initializers).
    std::optional<int64_t> rank, weightRank;
    for (const auto &info : graph.input())
      if (node.input_size() > 0 && info.name() == node.input(0) &&
          info.type().tensor_type().has_shape())
        rank = info.type().tensor_type().shape().dim_size();
    for (const auto &init : graph.initializer())
      if (node.op_type() == "Conv" && node.input_size() > 1 && init.name() == node.input(1))
        weightRank = init.dims_size();
    if (rank && weightRank && *rank != *weightRank)
      return error("node '" + nodeDisplayName(node, index) + "' (Conv): weight '" +
                   node.input(1) + "' has rank " + llvm::Twine(*weightRank) +
                   ", its input has rank " + llvm::Twine(*rank));
    if (std::optional<int64_t> r = rank ? rank : weightRank) {
      if (*r < 3)
        return error("node '" + nodeDisplayName(node, index) + "' (" + node.op_type() +
                     "): needs an input of rank 3 or more, got " + llvm::Twine(*r));
      for (const auto &attr : node.attribute()) {
        int64_t want = attr.name() == "pads" ? 2 * (*r - 2) : *r - 2;
        if (llvm::is_contained({"strides", "dilations", "kernel_shape", "pads"},
                               attr.name()) &&
            attr.ints_size() != want)
          return error("node '" + nodeDisplayName(node, index) + "' (" +
                       node.op_type() + "): attribute '" + attr.name() + "' has " +
                       llvm::Twine(attr.ints_size()) + " values, expected " +
                       llvm::Twine(want));
      }
    }
    for (const auto &attr : node.attribute()) {
      bool positive = llvm::is_contained({"strides", "dilations", "kernel_shape"},
                                         attr.name());
      if (!positive && attr.name() != "pads")
        continue;
      for (int64_t v : attr.ints())
        if (positive ? v <= 0 : v < 0)
          return error("node '" + nodeDisplayName(node, index) + "' (" +
                       node.op_type() + "): attribute '" + attr.name() +
                       "' must be " + (positive ? "positive" : "non-negative"));
    }
  }
  return llvm::Error::success();
}

llvm::Error mlir::sepnn::parseInputShape(llvm::StringRef text,
                                         InputShapes &shapes) {
  auto [name, dims] = text.rsplit('=');
  std::vector<int64_t> shape;
  llvm::SmallVector<llvm::StringRef> parts;
  dims.split(parts, 'x');
  bool valid = text.contains('=') && !name.empty();
  for (llvm::StringRef part : parts) {
    int64_t d;
    if (part.getAsInteger(10, d) || d <= 0)
      valid = false;
    else
      shape.push_back(d);
  }
  if (!valid || shape.empty())
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "--input-shape: expected NAME=DxDx..., e.g. input=1x3x224x224, got '" +
            text + "'");
  shapes[name.str()] = shape;
  return llvm::Error::success();
}

/// Overrides the declared shapes of the named graph inputs.
static llvm::Error applyInputShapes(onnx::ModelProto &model,
                                    llvm::StringRef file,
                                    const InputShapes &shapes) {
  for (const auto &[name, shape] : shapes) {
    onnx::ValueInfoProto *input = nullptr;
    for (auto &in : *model.mutable_graph()->mutable_input())
      if (in.name() == name)
        input = &in;
    if (!input)
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     file + ": --input-shape: the model has "
                                            "no input '" + name + "'");
    auto *dims = input->mutable_type()->mutable_tensor_type()->mutable_shape();
    dims->clear_dim();
    for (int64_t d : shape)
      dims->add_dim()->set_dim_value(d);
  }
  return llvm::Error::success();
}

llvm::Expected<OwningOpRef<ModuleOp>>
mlir::sepnn::importONNXFile(llvm::StringRef path, MLIRContext *context,
                            const InputShapes &inputShapes) {
  context->loadDialect<nn::NNDialect, arith::ArithDialect, func::FuncDialect>();
  llvm::Expected<onnx::ModelProto> model = readONNXModel(path);
  if (!model)
    return model.takeError();
  if (llvm::Error e = applyInputShapes(*model, path, inputShapes))
    return std::move(e);
  // Say what sepnn cannot run before libonnx's checks, whose messages about
  // unknown ops and types are less direct.
  if (llvm::Error e = checkClaimed(*model, path))
    return std::move(e);
  if (llvm::Error e = prepareONNXModel(*model, path, kTargetOpset))
    return std::move(e);
  // Shape arithmetic that data propagation could not see through (Slice
  // bounds computed from Shape, say) is folded into initializers, after which
  // shape inference knows every shape; repeat while it uncovers more.
  for (int round = 0; round < 8 && foldShapeArithmetic(*model); ++round)
    if (llvm::Error e = inferONNXShapes(*model, path))
      return std::move(e);
  GraphImporter importer(context, path);
  FailureOr<OwningOpRef<ModuleOp>> module = importer.import(*model);
  if (failed(module))
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   importer.errorMessage());
  if (failed(verify(**module)))
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   path + ": the imported IR does not verify");
  return std::move(*module);
}
