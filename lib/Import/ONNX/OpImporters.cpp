// One importer per supported ONNX op (default domain, opset kTargetOpset).
#include "GraphImporter.h"
#include "sepnn/Support/Weights.h"

#include "NN/NNOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "llvm/ADT/StringSwitch.h"

#include <cmath>

using namespace mlir;
using namespace mlir::sepnn;

namespace {

/// Resolves ONNX `auto_pad` into explicit [top, left, bottom, right] pads.
LogicalResult resolvePads(NodeContext &ctx, ArrayRef<int64_t> inShape,
                          ArrayRef<int64_t> kernel, ArrayRef<int64_t> strides,
                          ArrayRef<int64_t> dilations,
                          SmallVector<int64_t> &pads) {
  std::string autoPad = ctx.stringAttr("auto_pad").value_or("NOTSET");
  if (autoPad == "NOTSET") {
    pads = ctx.intsAttr("pads").value_or(SmallVector<int64_t>{0, 0, 0, 0});
    if (pads.size() != 4)
      return ctx.error("expects 4 pads, got " + Twine(pads.size()));
    return success();
  }
  if (autoPad == "VALID") {
    pads = {0, 0, 0, 0};
    return success();
  }
  if (autoPad != "SAME_UPPER" && autoPad != "SAME_LOWER")
    return ctx.error("unknown auto_pad '" + autoPad + "'");
  pads.assign(4, 0);
  for (int i = 0; i < 2; ++i) {
    int64_t in = inShape[2 + i];
    int64_t out = (in + strides[i] - 1) / strides[i];
    int64_t total = std::max<int64_t>(
        0, (out - 1) * strides[i] + dilations[i] * (kernel[i] - 1) + 1 - in);
    int64_t small = total / 2, large = total - small;
    pads[i] = autoPad == "SAME_UPPER" ? small : large;
    pads[i + 2] = autoPad == "SAME_UPPER" ? large : small;
  }
  return success();
}

/// The sliding-window attributes shared by Conv and MaxPool, with ONNX's
/// defaults and auto_pad resolved.
struct Window {
  SmallVector<int64_t> strides, dilations, pads;
};

FailureOr<Window> readWindow(NodeContext &ctx, Value input,
                             ArrayRef<int64_t> kernel) {
  Window w;
  w.strides = ctx.intsAttr("strides").value_or(SmallVector<int64_t>{1, 1});
  w.dilations = ctx.intsAttr("dilations").value_or(SmallVector<int64_t>{1, 1});
  if (w.strides.size() != 2 || w.dilations.size() != 2)
    return ctx.error("strides and dilations need 2 values each");
  if (failed(resolvePads(ctx, cast<RankedTensorType>(input.getType()).getShape(),
                         kernel, w.strides, w.dilations, w.pads)))
    return failure();
  return w;
}

LogicalResult requireRank(NodeContext &ctx, Value v, int64_t rank,
                          StringRef what) {
  int64_t actual = cast<RankedTensorType>(v.getType()).getRank();
  if (actual != rank)
    return ctx.error(what + " must have rank " + Twine(rank) + ", got " +
                     Twine(actual) + " (only 2-D spatial ops are supported)");
  return success();
}

LogicalResult importConv(NodeContext &ctx) {
  FailureOr<Value> x = ctx.input(0), w = ctx.input(1);
  FailureOr<Value> b = ctx.optionalInput(2);
  FailureOr<RankedTensorType> type = ctx.outputType(0);
  if (failed(x) || failed(w) || failed(b) || failed(type) ||
      failed(requireRank(ctx, *x, 4, "input")) ||
      failed(requireRank(ctx, *w, 4, "weight")))
    return failure();
  auto wShape = cast<RankedTensorType>(w->getType()).getShape();
  SmallVector<int64_t> kernel =
      ctx.intsAttr("kernel_shape").value_or(SmallVector<int64_t>{wShape[2], wShape[3]});
  if (kernel != SmallVector<int64_t>{wShape[2], wShape[3]})
    return ctx.error("kernel_shape does not match the weight");
  FailureOr<Window> window = readWindow(ctx, *x, kernel);
  if (failed(window))
    return failure();
  OpBuilder &b0 = ctx.builder();
  auto conv = b0.create<nn::ConvOp>(
      ctx.location(), *type, *x, *w, *b, b0.getDenseI64ArrayAttr(window->pads),
      b0.getDenseI64ArrayAttr(window->strides),
      b0.getDenseI64ArrayAttr(window->dilations),
      b0.getI64IntegerAttr(ctx.intAttr("group").value_or(1)));
  ctx.setOutput(0, conv);
  return success();
}

LogicalResult importBatchNorm(NodeContext &ctx) {
  if (ctx.intAttr("training_mode").value_or(0) != 0)
    return ctx.error("training_mode=1 is not supported (inference only)");
  if (failed(ctx.onlyOutputs(1)))
    return failure();
  SmallVector<Value> in;
  for (int i = 0; i < 5; ++i) {
    FailureOr<Value> v = ctx.input(i);
    if (failed(v))
      return failure();
    in.push_back(*v);
  }
  FailureOr<RankedTensorType> type = ctx.outputType(0);
  if (failed(type))
    return failure();
  OpBuilder &b = ctx.builder();
  ctx.setOutput(0, b.create<nn::BatchNormOp>(
                       ctx.location(), *type, in[0], in[1], in[2], in[3],
                       in[4],
                       b.getF32FloatAttr(
                           ctx.floatAttr("epsilon").value_or(1e-5f))));
  return success();
}

/// What MaxPool and AveragePool share: a 4-D input, a 2-D kernel and the
/// window attributes.
struct Pool {
  Value input;
  RankedTensorType type;
  SmallVector<int64_t> kernel;
  Window window;
};

FailureOr<Pool> readPool(NodeContext &ctx) {
  FailureOr<Value> x = ctx.input(0);
  FailureOr<RankedTensorType> type = ctx.outputType(0);
  if (failed(x) || failed(type) || failed(requireRank(ctx, *x, 4, "input")))
    return failure();
  std::optional<SmallVector<int64_t>> kernel = ctx.intsAttr("kernel_shape");
  if (!kernel || kernel->size() != 2)
    return ctx.error("needs a 2-D kernel_shape");
  FailureOr<Window> window = readWindow(ctx, *x, *kernel);
  if (failed(window))
    return failure();
  return Pool{*x, *type, *kernel, *window};
}

LogicalResult importMaxPool(NodeContext &ctx) {
  if (failed(ctx.onlyOutputs(1)))
    return failure();
  if (ctx.intAttr("storage_order").value_or(0) != 0)
    return ctx.error("storage_order=1 is not supported");
  FailureOr<Pool> pool = readPool(ctx);
  if (failed(pool))
    return failure();
  OpBuilder &b = ctx.builder();
  ctx.setOutput(0, b.create<nn::MaxPoolOp>(
                       ctx.location(), pool->type, pool->input,
                       b.getDenseI64ArrayAttr(pool->kernel),
                       b.getDenseI64ArrayAttr(pool->window.pads),
                       b.getDenseI64ArrayAttr(pool->window.strides),
                       b.getDenseI64ArrayAttr(pool->window.dilations),
                       b.getI64IntegerAttr(ctx.intAttr("ceil_mode").value_or(0))));
  return success();
}

LogicalResult importFlatten(NodeContext &ctx) {
  FailureOr<Value> x = ctx.input(0);
  FailureOr<RankedTensorType> type = ctx.outputType(0);
  if (failed(x) || failed(type))
    return failure();
  OpBuilder &b = ctx.builder();
  ctx.setOutput(0, b.create<nn::FlattenOp>(
                       ctx.location(), *type, *x,
                       b.getI64IntegerAttr(ctx.intAttr("axis").value_or(1))));
  return success();
}

LogicalResult importGemm(NodeContext &ctx) {
  FailureOr<Value> a = ctx.input(0), bIn = ctx.input(1);
  FailureOr<Value> c = ctx.optionalInput(2);
  FailureOr<RankedTensorType> type = ctx.outputType(0);
  if (failed(a) || failed(bIn) || failed(c) || failed(type))
    return failure();
  OpBuilder &b = ctx.builder();
  ctx.setOutput(0, b.create<nn::GemmOp>(
                       ctx.location(), *type, *a, *bIn, *c,
                       b.getF32FloatAttr(ctx.floatAttr("alpha").value_or(1.0f)),
                       b.getF32FloatAttr(ctx.floatAttr("beta").value_or(1.0f)),
                       b.getI64IntegerAttr(ctx.intAttr("transA").value_or(0)),
                       b.getI64IntegerAttr(ctx.intAttr("transB").value_or(0))));
  return success();
}


/// Unary elementwise ops: the result has the input's type.
template <typename OpTy, typename... Attrs>
LogicalResult buildUnary(NodeContext &ctx, Attrs... attrs) {
  FailureOr<Value> x = ctx.input(0);
  FailureOr<RankedTensorType> type = ctx.outputType(0);
  if (failed(x) || failed(type))
    return failure();
  ctx.setOutput(0, ctx.builder().create<OpTy>(ctx.location(), *type, *x,
                                              attrs...));
  return success();
}

LogicalResult importLeakyRelu(NodeContext &ctx) {
  return buildUnary<nn::LeakyReluOp>(
      ctx, ctx.builder().getF32FloatAttr(ctx.floatAttr("alpha").value_or(0.01f)));
}

LogicalResult importHardSigmoid(NodeContext &ctx) {
  OpBuilder &b = ctx.builder();
  return buildUnary<nn::HardSigmoidOp>(
      ctx, b.getF32FloatAttr(ctx.floatAttr("alpha").value_or(0.2f)),
      b.getF32FloatAttr(ctx.floatAttr("beta").value_or(0.5f)));
}

/// A scalar bound of Clip (input `i`), or `fallback` when absent.
FailureOr<float> clipBound(NodeContext &ctx, int i, float fallback) {
  FailureOr<std::optional<HostTensor>> bound =
      ctx.requireConstantInput(i, i == 1 ? "min" : "max");
  if (failed(bound))
    return failure();
  if (!*bound)
    return fallback;
  if ((*bound)->values.size() != 1)
    return ctx.error(Twine(i == 1 ? "min" : "max") + " must be a scalar");
  return (float)(*bound)->values[0];
}

LogicalResult importClip(NodeContext &ctx) {
  FailureOr<float> lo = clipBound(ctx, 1, -INFINITY);
  FailureOr<float> hi = clipBound(ctx, 2, INFINITY);
  if (failed(lo) || failed(hi))
    return failure();
  OpBuilder &b = ctx.builder();
  return buildUnary<nn::ClipOp>(ctx, b.getF32FloatAttr(*lo),
                                b.getF32FloatAttr(*hi));
}

template <typename OpTy>
LogicalResult importBinary(NodeContext &ctx) {
  FailureOr<Value> a = ctx.input(0), b = ctx.input(1);
  FailureOr<RankedTensorType> type = ctx.outputType(0);
  if (failed(a) || failed(b) || failed(type))
    return failure();
  ctx.setOutput(0, ctx.builder().create<OpTy>(ctx.location(), *type, *a, *b));
  return success();
}

/// PRelu; a per-channel slope of shape [C] from opsets before 7 (which
/// broadcast it along dimension 1) becomes [C, 1, ..., 1].
LogicalResult importPRelu(NodeContext &ctx) {
  FailureOr<Value> x = ctx.input(0), slope = ctx.input(1);
  FailureOr<RankedTensorType> type = ctx.outputType(0);
  if (failed(x) || failed(slope) || failed(type))
    return failure();
  auto xType = cast<RankedTensorType>(x->getType());
  auto sType = cast<RankedTensorType>(slope->getType());
  Value s = *slope;
  if (sType.getRank() == 1 && xType.getRank() >= 3 &&
      sType.getDimSize(0) == xType.getDimSize(1) &&
      sType.getDimSize(0) != xType.getShape().back()) {
    SmallVector<int64_t> shape(xType.getRank() - 1, 1);
    shape[0] = sType.getDimSize(0);
    s = ctx.builder().create<nn::ReshapeOp>(
        ctx.location(), RankedTensorType::get(shape, sType.getElementType()),
        s);
  }
  ctx.setOutput(0, ctx.builder().create<nn::PReluOp>(ctx.location(), *type,
                                                     *x, s));
  return success();
}

LogicalResult importAveragePool(NodeContext &ctx) {
  FailureOr<Pool> pool = readPool(ctx);
  if (failed(pool))
    return failure();
  if (pool->window.dilations != SmallVector<int64_t>{1, 1})
    return ctx.error("dilations are not supported");
  OpBuilder &b = ctx.builder();
  ctx.setOutput(0, b.create<nn::AveragePoolOp>(
                       ctx.location(), pool->type, pool->input,
                       b.getDenseI64ArrayAttr(pool->kernel),
                       b.getDenseI64ArrayAttr(pool->window.pads),
                       b.getDenseI64ArrayAttr(pool->window.strides),
                       b.getI64IntegerAttr(ctx.intAttr("ceil_mode").value_or(0)),
                       b.getI64IntegerAttr(
                           ctx.intAttr("count_include_pad").value_or(0))));
  return success();
}

/// Reshape, Squeeze and Unsqueeze: the shape comes from shape inference.
LogicalResult importReshape(NodeContext &ctx) {
  FailureOr<Value> x = ctx.input(0);
  FailureOr<RankedTensorType> type = ctx.outputType(0);
  if (failed(x) || failed(type))
    return failure();
  ctx.setOutput(0, ctx.builder().create<nn::ReshapeOp>(ctx.location(), *type,
                                                       *x));
  return success();
}

LogicalResult importTranspose(NodeContext &ctx) {
  FailureOr<Value> x = ctx.input(0);
  FailureOr<RankedTensorType> type = ctx.outputType(0);
  if (failed(x) || failed(type))
    return failure();
  int64_t rank = cast<RankedTensorType>(x->getType()).getRank();
  SmallVector<int64_t> perm;
  if (auto given = ctx.intsAttr("perm"))
    perm = *given;
  else
    for (int64_t i = rank - 1; i >= 0; --i)
      perm.push_back(i);
  OpBuilder &b = ctx.builder();
  ctx.setOutput(0, b.create<nn::TransposeOp>(ctx.location(), *type, *x,
                                             b.getDenseI64ArrayAttr(perm)));
  return success();
}

LogicalResult importConcat(NodeContext &ctx) {
  SmallVector<Value> inputs;
  for (int i = 0; i < ctx.proto().input_size(); ++i) {
    FailureOr<Value> v = ctx.input(i);
    if (failed(v))
      return failure();
    inputs.push_back(*v);
  }
  FailureOr<RankedTensorType> type = ctx.outputType(0);
  if (failed(type))
    return failure();
  int64_t axis = ctx.intAttr("axis").value_or(0);
  if (axis < 0)
    axis += type->getRank();
  OpBuilder &b = ctx.builder();
  ctx.setOutput(0, b.create<nn::ConcatOp>(ctx.location(), *type, inputs,
                                          b.getI64IntegerAttr(axis)));
  return success();
}

/// One nn.slice of `x` along `axis` with ONNX's clamping of start and end.
FailureOr<Value> sliceAxis(NodeContext &ctx, Value x, int64_t axis,
                           int64_t start, int64_t end, int64_t step) {
  auto type = cast<RankedTensorType>(x.getType());
  int64_t dim = type.getDimSize(axis);
  if (step == 0)
    return ctx.error("slice step must not be 0");
  if (start < 0)
    start += dim;
  if (end < 0)
    end += dim;
  if (step > 0) {
    start = std::clamp<int64_t>(start, 0, dim);
    end = std::clamp<int64_t>(end, 0, dim);
  } else {
    start = std::clamp<int64_t>(start, 0, dim - 1);
    end = std::clamp<int64_t>(end, -1, dim - 1);
  }
  int64_t extent = step > 0 ? (end - start + step - 1) / step
                            : (start - end - step - 1) / -step;
  if (extent <= 0)
    return ctx.error("slice of axis " + Twine(axis) +
                     " is empty (empty tensors are not supported)");
  if (step == 1 && start == 0 && end == dim)
    return x;
  SmallVector<int64_t> shape(type.getShape());
  shape[axis] = extent;
  OpBuilder &b = ctx.builder();
  return b.create<nn::SliceOp>(
             ctx.location(), RankedTensorType::get(shape, type.getElementType()),
             x, b.getI64IntegerAttr(axis), b.getI64IntegerAttr(start),
             b.getI64IntegerAttr(end), b.getI64IntegerAttr(step))
      .getResult();
}

LogicalResult importSlice(NodeContext &ctx) {
  FailureOr<Value> x = ctx.input(0);
  if (failed(x))
    return failure();
  int64_t rank = cast<RankedTensorType>(x->getType()).getRank();
  SmallVector<std::optional<HostTensor>> params;
  // A named array: a braced temporary in the range-init would die before the
  // loop body runs (C++17 extends only the range's own lifetime).
  const StringRef names[] = {"starts", "ends", "axes", "steps"};
  for (auto [i, what] : llvm::enumerate(names)) {
    FailureOr<std::optional<HostTensor>> p =
        ctx.requireConstantInput(i + 1, what);
    if (failed(p))
      return failure();
    params.push_back(*p);
  }
  if (!params[0] || !params[1])
    return ctx.error("needs starts and ends");
  std::vector<int64_t> starts = params[0]->asIntegers();
  std::vector<int64_t> ends = params[1]->asIntegers();
  std::vector<int64_t> axes, steps;
  if (params[2])
    axes = params[2]->asIntegers();
  else
    for (size_t i = 0; i < starts.size(); ++i)
      axes.push_back(i);
  steps = params[3] ? params[3]->asIntegers()
                    : std::vector<int64_t>(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() ||
      steps.size() != starts.size())
    return ctx.error("starts, ends, axes and steps differ in length");
  Value v = *x;
  for (size_t i = 0; i < starts.size(); ++i) {
    int64_t axis = axes[i] < 0 ? axes[i] + rank : axes[i];
    if (axis < 0 || axis >= rank)
      return ctx.error("axis " + Twine(axes[i]) + " is out of range");
    FailureOr<Value> sliced =
        sliceAxis(ctx, v, axis, starts[i], ends[i], steps[i]);
    if (failed(sliced))
      return failure();
    v = *sliced;
  }
  FailureOr<RankedTensorType> type = ctx.outputType(0);
  if (failed(type))
    return failure();
  if (v.getType() != *type)
    return ctx.error("computed shape differs from ONNX shape inference");
  ctx.setOutput(0, v);
  return success();
}

LogicalResult importSplit(NodeContext &ctx) {
  FailureOr<Value> x = ctx.input(0);
  if (failed(x))
    return failure();
  auto type = cast<RankedTensorType>(x->getType());
  int64_t axis = ctx.intAttr("axis").value_or(0);
  if (axis < 0)
    axis += type.getRank();
  if (axis < 0 || axis >= type.getRank())
    return ctx.error("axis is out of range");
  FailureOr<std::optional<HostTensor>> given =
      ctx.requireConstantInput(1, "split");
  if (failed(given))
    return failure();
  std::vector<int64_t> sizes;
  if (*given)
    sizes = (*given)->asIntegers();
  else if (auto attr = ctx.intsAttr("split"))
    sizes.assign(attr->begin(), attr->end());
  else
    for (int i = 0; i < ctx.proto().output_size(); ++i) {
      FailureOr<RankedTensorType> out = ctx.outputType(i);
      if (failed(out))
        return failure();
      sizes.push_back(out->getDimSize(axis));
    }
  if ((int)sizes.size() != ctx.proto().output_size())
    return ctx.error("split has " + Twine(sizes.size()) + " sizes for " +
                     Twine(ctx.proto().output_size()) + " outputs");
  int64_t offset = 0;
  for (auto [i, size] : llvm::enumerate(sizes)) {
    FailureOr<Value> part =
        sliceAxis(ctx, *x, axis, offset, offset + size, 1);
    if (failed(part))
      return failure();
    ctx.setOutput(i, *part);
    offset += size;
  }
  return success();
}

LogicalResult importSoftmax(NodeContext &ctx) {
  FailureOr<RankedTensorType> type = ctx.outputType(0);
  if (failed(type))
    return failure();
  int64_t axis = ctx.intAttr("axis").value_or(-1);
  if (axis < 0)
    axis += type->getRank();
  return buildUnary<nn::SoftmaxOp>(
      ctx, ctx.builder().getI64IntegerAttr(axis));
}

LogicalResult importPad(NodeContext &ctx) {
  std::string mode = ctx.stringAttr("mode").value_or("constant");
  if (mode != "constant")
    return ctx.error("pad mode '" + mode + "' is not supported (only constant)");
  FailureOr<std::optional<HostTensor>> pads = ctx.requireConstantInput(1, "pads");
  FailureOr<std::optional<HostTensor>> value =
      ctx.requireConstantInput(2, "constant_value");
  if (failed(pads) || failed(value))
    return failure();
  SmallVector<int64_t> padList;
  if (*pads)
    for (int64_t p : (*pads)->asIntegers())
      padList.push_back(p);
  else if (auto attr = ctx.intsAttr("pads"))
    padList = *attr;
  for (int64_t p : padList)
    if (p < 0)
      return ctx.error("negative pads are not supported");
  float fill = *value && !(*value)->values.empty() ? (*value)->values[0] : 0.0f;
  OpBuilder &b = ctx.builder();
  return buildUnary<nn::PadOp>(ctx, b.getDenseI64ArrayAttr(padList),
                                   b.getF32FloatAttr(fill));
}

LogicalResult importReduceMean(NodeContext &ctx) {
  FailureOr<Value> x = ctx.input(0);
  if (failed(x))
    return failure();
  int64_t rank = cast<RankedTensorType>(x->getType()).getRank();
  SmallVector<int64_t> axes;
  if (auto given = ctx.intsAttr("axes")) {
    for (int64_t a : *given)
      axes.push_back(a < 0 ? a + rank : a);
  } else {
    for (int64_t a = 0; a < rank; ++a)
      axes.push_back(a);
  }
  llvm::sort(axes);
  OpBuilder &b = ctx.builder();
  return buildUnary<nn::ReduceMeanOp>(
      ctx, b.getDenseI64ArrayAttr(axes),
      b.getI64IntegerAttr(ctx.intAttr("keepdims").value_or(1)));
}

/// Identity and inference-mode Dropout forward their input.
LogicalResult importForward(NodeContext &ctx) {
  if (failed(ctx.onlyOutputs(1)))
    return failure();
  FailureOr<Value> x = ctx.input(0);
  if (failed(x))
    return failure();
  ctx.setOutput(0, *x);
  return success();
}

} // namespace

OpImporterFn mlir::sepnn::lookupOpImporter(StringRef opType) {
  return llvm::StringSwitch<OpImporterFn>(opType)
      .Case("Conv", importConv)
      .Case("BatchNormalization", importBatchNorm)
      .Case("Relu", buildUnary<nn::ReluOp>)
      .Case("LeakyRelu", importLeakyRelu)
      .Case("PRelu", importPRelu)
      .Case("Clip", importClip)
      .Case("Sigmoid", buildUnary<nn::SigmoidOp>)
      .Case("HardSigmoid", importHardSigmoid)
      .Case("HardSwish", buildUnary<nn::HardSwishOp>)
      .Case("Tanh", buildUnary<nn::TanhOp>)
      .Case("GlobalAveragePool", buildUnary<nn::GlobalAveragePoolOp>)
      .Case("GlobalMaxPool", buildUnary<nn::GlobalMaxPoolOp>)
      .Case("AveragePool", importAveragePool)
      .Case("Add", importBinary<nn::AddOp>)
      .Case("Sub", importBinary<nn::SubOp>)
      .Case("Mul", importBinary<nn::MulOp>)
      .Case("Div", importBinary<nn::DivOp>)
      .Case("MatMul", importBinary<nn::MatMulOp>)
      .Case("Reshape", importReshape)
      .Case("Squeeze", importReshape)
      .Case("Unsqueeze", importReshape)
      .Case("Transpose", importTranspose)
      .Case("Concat", importConcat)
      .Case("Slice", importSlice)
      .Case("Split", importSplit)
      .Case("Softmax", importSoftmax)
      .Case("Pad", importPad)
      .Case("ReduceMean", importReduceMean)
      .Case("MaxPool", importMaxPool)
      .Case("Flatten", importFlatten)
      .Case("Gemm", importGemm)
      .Case("Identity", importForward)
      .Case("Dropout", importForward)
      .Default(nullptr);
}
