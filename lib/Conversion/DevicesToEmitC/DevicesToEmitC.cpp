// convert-devices-to-emitc: outlined device functions -> straight-line
// EmitC calls into the runtime ABI.
//
// Device functions are single straight-line blocks, so the lowering walks
// each block once, in order, mapping every tensor to the runtime handle that
// holds it; no dialect-conversion machinery is needed.
#include "Lifetimes.h"
#include "sepnn/Conversion/Passes.h"
#include "sepnn/Conversion/RuntimeCall.h"

#include "Dist/DistOps.h"
#include "NN/NNOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/EmitC/IR/EmitC.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/Support/MathExtras.h"

namespace mlir::sepnn {
#define GEN_PASS_DEF_CONVERTDEVICESTOEMITC
#include "sepnn/Conversion/Passes.h.inc"
} // namespace mlir::sepnn

using namespace mlir;
using namespace mlir::sepnn;

namespace {
/// weights.bin entries start on cache-line boundaries.
constexpr int64_t kWeightAlignment = 64;

LogicalResult lowerDeviceFunction(func::FuncOp func) {
  MLIRContext *ctx = func.getContext();
  Block &body = func.getBody().front();
  SmallVector<Operation *> ops;
  for (Operation &op : body)
    ops.push_back(&op);

  Value runtimeCtx = body.insertArgument(
      0u, RuntimeCall::contextType(ctx), func.getLoc());
  OpBuilder builder = OpBuilder::atBlockBegin(&body);
  IRMapping handles;
  for (auto [i, arg] : llvm::enumerate(body.getArguments().drop_front())) {
    auto type = cast<RankedTensorType>(arg.getType());
    Operation *call = RuntimeCall(ctx, runtimeCtx, "input")
                          .integer(i)
                          .integers(type.getShape())
                          .build(builder, arg.getLoc(), true);
    handles.map(arg, call->getResult(0));
  }

  int64_t weightBytes = 0;
  DenseMap<Attribute, Value> weights;
  DenseMap<Operation *, Value> reserved; // placed concat -> its reserve() handle
  for (Operation *op : ops) {
    builder.setInsertionPoint(op);
    Location loc = op->getLoc();
    if (auto constant = dyn_cast<arith::ConstantOp>(op)) {
      auto type = dyn_cast<RankedTensorType>(constant.getType());
      if (!type || !type.getElementType().isF32())
        return constant.emitOpError("only f32 tensor constants are supported");
      Value &handle = weights[constant.getValue()];
      if (!handle) {
        Operation *call = RuntimeCall(ctx, runtimeCtx, "weight")
                              .integer(weightBytes)
                              .integers(type.getShape())
                              .build(builder, loc, true);
        // The emitter writes this attribute's data into weights.bin.
        call->setAttr("sepnn.weight", constant.getValue());
        call->setAttr("sepnn.offset", builder.getI64IntegerAttr(weightBytes));
        weightBytes += llvm::alignTo(type.getNumElements() * 4,
                                     kWeightAlignment);
        handle = call->getResult(0);
      }
      handles.map(constant.getResult(), handle);
      continue;
    }
    if (auto ret = dyn_cast<func::ReturnOp>(op)) {
      for (auto [i, v] : llvm::enumerate(ret.getOperands()))
        RuntimeCall(ctx, runtimeCtx, "output")
            .integer(i)
            .tensor(handles.lookup(v))
            .build(builder, loc, false);
      builder.create<func::ReturnOp>(loc);
      continue;
    }
    if (isComputedByProducer(op)) {
      handles.map(op->getResult(0), handles.lookup(op->getOperand(0)));
      continue;
    }
    if (isPlacedConcat(op)) { // its parts were written into the reserved tensor
      handles.map(op->getResult(0), reserved.lookup(op));
      continue;
    }
    if (fusedResidualAdd(op)) // one call with its add, emitted there
      continue;
    // An add with a fused conv is that conv's call: its operands, then the residual.
    Operation *fusedConv = fusedResidualConv(op);
    Operation *described = fusedConv ? fusedConv : op;
    SmallVector<Value> operands;
    for (Value v : described->getOperands())
      operands.push_back(handles.lookup(v));
    if (fusedConv)
      operands.push_back(handles.lookup(residualOf(op)));
    FailureOr<RuntimeCall> call =
        isa<dist::DistDialect>(op->getDialect())
            ? describeDistOp(op, runtimeCtx, operands)
            : describeNNOp(described, runtimeCtx, operands);
    if (failed(call))
      return failure();
    if (std::optional<PlacedPart> part = placedPart(op)) {
      // The first part reserves the concatenation; each part's call writes its slice.
      Value &dest = reserved[part->concat];
      if (!dest)
        dest = RuntimeCall(ctx, runtimeCtx, "reserve")
                   .integers(cast<RankedTensorType>(part->concat->getResult(0).getType())
                                 .getShape())
                   .build(builder, loc, true)
                   ->getResult(0);
      RuntimeCall(ctx, runtimeCtx, "place_next")
          .tensor(dest)
          .integer(part->axis)
          .integer(part->start)
          .build(builder, loc, false);
    }
    Operation *lowered = call->build(builder, loc, op->getNumResults() == 1);
    if (auto send = dyn_cast<dist::SendOp>(op))
      // The manifest's per-link byte counts are the sum of these.
      lowered->setAttr("sepnn.bytes",
                       builder.getI64IntegerAttr(transferBytes(
                           send.getInput().getType(), send.getWire())));
    if (auto recv = dyn_cast<dist::RecvOp>(op)) {
      // The device's receive table (ProgramInfo::receives): peer, wire type
      // (abi.h WireType), tag, payload bytes.
      std::optional<StringRef> wire = recv.getWire();
      int64_t wireType = !wire ? 0 : *wire == "f16" ? 1 : 2;
      lowered->setAttr("sepnn.recv",
                       builder.getDenseI64ArrayAttr(
                           {(int64_t)recv.getFrom(), wireType, (int64_t)recv.getTag(),
                            transferBytes(recv.getType(), wire)}));
    }
    if (op->getNumResults() == 1)
      handles.map(op->getResult(0), lowered->getResult(0));
  }

  // Record the signature for the manifest before it is replaced.
  // The importer names them after the ONNX graph's inputs and outputs.
  SmallVector<Attribute> inputShapes, outputShapes, inputNames, outputNames;
  FunctionType type = func.getFunctionType();
  for (auto [i, t] : llvm::enumerate(type.getInputs())) {
    inputShapes.push_back(builder.getDenseI64ArrayAttr(
        cast<RankedTensorType>(t).getShape()));
    auto name = func.getArgAttrOfType<StringAttr>(i, "nn.name");
    inputNames.push_back(name ? name : builder.getStringAttr(""));
  }
  for (auto [i, t] : llvm::enumerate(type.getResults())) {
    outputShapes.push_back(builder.getDenseI64ArrayAttr(
        cast<RankedTensorType>(t).getShape()));
    auto name = func.getResultAttrOfType<StringAttr>(i, "nn.name");
    outputNames.push_back(name ? name : builder.getStringAttr(""));
  }
  func->setAttr("sepnn.input_shapes", builder.getArrayAttr(inputShapes));
  func->setAttr("sepnn.output_shapes", builder.getArrayAttr(outputShapes));
  func->setAttr("sepnn.input_names", builder.getArrayAttr(inputNames));
  func->setAttr("sepnn.output_names", builder.getArrayAttr(outputNames));
  func->setAttr("sepnn.weight_bytes", builder.getI64IntegerAttr(weightBytes));

  for (Operation *op : llvm::reverse(ops)) {
    op->dropAllUses();
    op->erase();
  }
  placeOutputsOverResiduals(body, runtimeCtx);
  insertReleases(body, runtimeCtx);
  unsigned numArgs = body.getNumArguments();
  for (unsigned i = numArgs; i > 1; --i)
    body.eraseArgument(i - 1);
  func.setType(FunctionType::get(ctx, {RuntimeCall::contextType(ctx)}, {}));
  func.removeArgAttrsAttr();
  func.removeResAttrsAttr();
  return success();
}

struct ConvertDevicesToEmitCPass
    : sepnn::impl::ConvertDevicesToEmitCBase<ConvertDevicesToEmitCPass> {
  void runOnOperation() override {
    for (auto func : llvm::to_vector(getOperation().getOps<func::FuncOp>())) {
      if (!dist::getDevice(func)) {
        func.emitOpError("is not a device function (run dist-outline-devices)");
        return signalPassFailure();
      }
      if (!func.getBody().hasOneBlock()) {
        func.emitOpError("must have a single block");
        return signalPassFailure();
      }
      if (failed(lowerDeviceFunction(func)))
        return signalPassFailure();
    }
  }
};
} // namespace
