// One importer per supported ONNX op (default domain, opset kTargetOpset).
#include "GraphImporter.h"
#include "sepnn/Support/Weights.h"

#include "NN/NNOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "llvm/ADT/StringSwitch.h"

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

template <typename OpTy>
LogicalResult importUnary(NodeContext &ctx) {
  FailureOr<Value> x = ctx.input(0);
  FailureOr<RankedTensorType> type = ctx.outputType(0);
  if (failed(x) || failed(type))
    return failure();
  ctx.setOutput(0, ctx.builder().create<OpTy>(ctx.location(), *type, *x));
  return success();
}

LogicalResult importAdd(NodeContext &ctx) {
  FailureOr<Value> a = ctx.input(0), b = ctx.input(1);
  FailureOr<RankedTensorType> type = ctx.outputType(0);
  if (failed(a) || failed(b) || failed(type))
    return failure();
  ctx.setOutput(0, ctx.builder().create<nn::AddOp>(ctx.location(), *type, *a,
                                                   *b));
  return success();
}

LogicalResult importMaxPool(NodeContext &ctx) {
  if (failed(ctx.onlyOutputs(1)))
    return failure();
  if (ctx.intAttr("storage_order").value_or(0) != 0)
    return ctx.error("storage_order=1 is not supported");
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
  OpBuilder &b = ctx.builder();
  ctx.setOutput(0, b.create<nn::MaxPoolOp>(
                       ctx.location(), *type, *x,
                       b.getDenseI64ArrayAttr(*kernel),
                       b.getDenseI64ArrayAttr(window->pads),
                       b.getDenseI64ArrayAttr(window->strides),
                       b.getDenseI64ArrayAttr(window->dilations),
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

LogicalResult importConstant(NodeContext &ctx) {
  const onnx::AttributeProto *value = ctx.attr("value");
  if (!value || !value->has_t())
    return ctx.error("only the 'value' tensor form is supported");
  FailureOr<std::vector<float>> values = tensorProtoToFloats(value->t());
  if (failed(values))
    return ctx.error("only float constants are supported");
  SmallVector<int64_t> shape(value->t().dims().begin(),
                             value->t().dims().end());
  ctx.setOutput(0, createF32Constant(ctx.builder(), ctx.location(), shape,
                                     *values, ctx.proto().output(0)));
  return success();
}

} // namespace

OpImporterFn mlir::sepnn::lookupOpImporter(StringRef opType) {
  return llvm::StringSwitch<OpImporterFn>(opType)
      .Case("Conv", importConv)
      .Case("BatchNormalization", importBatchNorm)
      .Case("Relu", importUnary<nn::ReluOp>)
      .Case("GlobalAveragePool", importUnary<nn::GlobalAveragePoolOp>)
      .Case("Add", importAdd)
      .Case("MaxPool", importMaxPool)
      .Case("Flatten", importFlatten)
      .Case("Gemm", importGemm)
      .Case("Identity", importForward)
      .Case("Dropout", importForward)
      .Case("Constant", importConstant)
      .Default(nullptr);
}
