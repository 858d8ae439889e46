// nn ops as calls into the runtime's kernels (abi.h), one case per op.
#include "sepnn/Conversion/RuntimeCall.h"

#include "NN/NNOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;
using namespace mlir::sepnn;

Operation *mlir::sepnn::fusedActivation(Operation *op) {
  if (!isa<nn::ConvOp>(op) || !op->hasOneUse())
    return nullptr;
  Operation *user = *op->getUsers().begin();
  if (isa<nn::ReluOp>(user))
    return user;
  if (auto clip = dyn_cast<nn::ClipOp>(user))
    if (std::isfinite(clip.getMin().convertToFloat()) &&
        std::isfinite(clip.getMax().convertToFloat()))
      return user;
  return nullptr;
}

Operation *mlir::sepnn::fusedResidualConv(Operation *op) {
  auto add = dyn_cast<nn::AddOp>(op);
  if (!add || add.getLhs() == add.getRhs() || add.getLhs().getType() != add.getType() ||
      add.getRhs().getType() != add.getType())
    return nullptr;
  for (Value v : {add.getLhs(), add.getRhs()})
    if (auto conv = v.getDefiningOp<nn::ConvOp>())
      if (conv->hasOneUse())
        return conv;
  return nullptr;
}

Operation *mlir::sepnn::fusedResidualAdd(Operation *op) {
  if (!isa<nn::ConvOp>(op) || !op->hasOneUse())
    return nullptr;
  Operation *add = *op->getUsers().begin();
  return fusedResidualConv(add) == op ? add : nullptr;
}

Value mlir::sepnn::residualOf(Operation *add) {
  Value lhs = add->getOperand(0), rhs = add->getOperand(1);
  return lhs.getDefiningOp() == fusedResidualConv(add) ? rhs : lhs;
}

Operation *mlir::sepnn::fusedResidualActivation(Operation *add) {
  if (!add->hasOneUse())
    return nullptr;
  Operation *user = *add->getUsers().begin();
  return isa<nn::ReluOp>(user) ? user : nullptr;
}

Operation *mlir::sepnn::fusedPool(Operation *op) {
  if (!isa<nn::ConvOp>(op) || fusedResidualAdd(op))
    return nullptr;
  Operation *activation = fusedActivation(op);
  if (activation && !isa<nn::ReluOp>(activation))
    return nullptr;
  Value v = (activation ? activation : op)->getResult(0);
  if (!v.hasOneUse())
    return nullptr;
  Operation *user = *v.getUsers().begin();
  return isa<nn::MaxPoolOp>(user) ? user : nullptr;
}

bool mlir::sepnn::isComputedByProducer(Operation *op) {
  Operation *producer = op->getNumOperands() ? op->getOperand(0).getDefiningOp() : nullptr;
  if (!producer)
    return false;
  if (fusedActivation(producer) == op)
    return true;
  if (isa<nn::MaxPoolOp>(op)) { // after the conv, or after its fused relu
    Operation *conv = isComputedByProducer(producer)
                          ? producer->getOperand(0).getDefiningOp()
                          : producer;
    return fusedPool(conv) == op;
  }
  return fusedResidualConv(producer) && fusedResidualActivation(producer) == op;
}

Value mlir::sepnn::valueOfCall(Operation *op) {
  if (op->getNumResults() != 1)
    return Value();
  Value v = op->getResult(0);
  while (v.hasOneUse() && isComputedByProducer(*v.getUsers().begin()))
    v = v.getUsers().begin()->getResult(0);
  return v;
}

/// The concat's axis, counted from the front.
static int64_t concatAxis(nn::ConcatOp concat) {
  int64_t axis = concat.getAxis();
  return axis < 0 ? axis + cast<RankedTensorType>(concat.getType()).getRank() : axis;
}

bool mlir::sepnn::isPlacedConcat(Operation *op) {
  auto concat = dyn_cast<nn::ConcatOp>(op);
  if (!concat)
    return false;
  for (int64_t d : concat.getType().getShape().take_front(concatAxis(concat)))
    if (d != 1) // the slices would not be contiguous
      return false;
  for (Value part : concat.getInputs()) {
    Operation *def = part.getDefiningOp();
    // Each part the value of its own call, used only here (so no part is given twice;
    // a constant is a weight view; a part that is itself a placed concatenation has
    // no call).
    if (!def || isa<arith::ConstantOp, nn::ConcatOp>(def) || !part.hasOneUse())
      return false;
    while (isComputedByProducer(def)) // to the op whose call computes the part
      def = def->getOperand(0).getDefiningOp();
    if (valueOfCall(def) != part)
      return false;
  }
  return true;
}

std::optional<PlacedPart> mlir::sepnn::placedPart(Operation *op) {
  Value v = valueOfCall(op);
  if (!v || !v.hasOneUse() || !isPlacedConcat(*v.getUsers().begin()))
    return std::nullopt;
  auto concat = cast<nn::ConcatOp>(*v.getUsers().begin());
  const int64_t axis = concatAxis(concat);
  int64_t start = 0;
  for (Value part : concat.getInputs()) {
    if (part == v)
      break;
    start += cast<RankedTensorType>(part.getType()).getDimSize(axis);
  }
  return PlacedPart{concat, axis, start};
}

FailureOr<RuntimeCall> mlir::sepnn::describeNNOp(Operation *op,
                                                 Value runtimeCtx,
                                                 ArrayRef<Value> operands) {
  MLIRContext *ctx = op->getContext();
  auto call = [&](StringRef callee) {
    return RuntimeCall(ctx, runtimeCtx, callee);
  };
  // Elementwise ops share two runtime entry points selected by a kind.
  auto unary = [&](StringRef kind, double alpha,
                   double beta) -> FailureOr<RuntimeCall> {
    return call("unary")
        .tensor(operands[0])
        .literal(("sepnn::rt::UnaryKind::" + kind).str())
        .real(alpha)
        .real(beta);
  };
  auto binary = [&](StringRef kind) -> FailureOr<RuntimeCall> {
    return call("binary")
        .tensor(operands[0])
        .tensor(operands[1])
        .literal(("sepnn::rt::BinaryKind::" + kind).str());
  };
  return llvm::TypeSwitch<Operation *, FailureOr<RuntimeCall>>(op)
      .Case([&](nn::ConvOp conv) -> FailureOr<RuntimeCall> {
        // With a fused residual, its operands are the conv's then the residual.
        Operation *add = fusedResidualAdd(conv);
        Operation *activation =
            add ? fusedResidualActivation(add) : fusedActivation(conv);
        auto clip = dyn_cast_or_null<nn::ClipOp>(activation);
        auto pool = dyn_cast_or_null<nn::MaxPoolOp>(fusedPool(conv));
        RuntimeCall c = call(pool         ? "conv_max_pool"
                             : add        ? (activation ? "conv_add_relu" : "conv_add")
                             : clip       ? "conv_clip"
                             : activation ? "conv_relu"
                                          : "conv");
        c.tensor(operands[0]).tensor(operands[1]);
        if (conv.getBias())
          c.tensor(operands[2]);
        else
          c.noTensor();
        if (add)
          c.tensor(operands.back());
        c.integers(conv.getPads())
            .integers(conv.getStrides())
            .integers(conv.getDilations())
            .integer(conv.getGroup());
        if (clip)
          c.real(clip.getMin().convertToFloat()).real(clip.getMax().convertToFloat());
        if (pool) // whether a relu comes between, then the pool's attributes
          c.integer(activation ? 1 : 0)
              .integers(pool.getKernelShape())
              .integers(pool.getPads())
              .integers(pool.getStrides())
              .integers(pool.getDilations())
              .integer(pool.getCeilMode());
        return c;
      })
      .Case([&](nn::BatchNormOp bn) -> FailureOr<RuntimeCall> {
        RuntimeCall c = call("batch_norm");
        for (Value v : operands)
          c.tensor(v);
        c.real(bn.getEpsilon().convertToFloat());
        return c;
      })
      .Case([&](nn::ReluOp) -> FailureOr<RuntimeCall> {
        return call("relu").tensor(operands[0]);
      })
      .Case([&](nn::AddOp) -> FailureOr<RuntimeCall> {
        return call("add").tensor(operands[0]).tensor(operands[1]);
      })
      .Case([&](nn::MaxPoolOp pool) -> FailureOr<RuntimeCall> {
        return call("max_pool")
            .tensor(operands[0])
            .integers(pool.getKernelShape())
            .integers(pool.getPads())
            .integers(pool.getStrides())
            .integers(pool.getDilations())
            .integer(pool.getCeilMode());
      })
      .Case([&](nn::GlobalAveragePoolOp) -> FailureOr<RuntimeCall> {
        return call("global_average_pool").tensor(operands[0]);
      })
      .Case([&](nn::FlattenOp flatten) -> FailureOr<RuntimeCall> {
        int64_t axis = flatten.getAxis();
        if (axis < 0)
          axis += cast<RankedTensorType>(flatten.getInput().getType()).getRank();
        return call("flatten").tensor(operands[0]).integer(axis);
      })
      .Case([&](nn::GemmOp gemm) -> FailureOr<RuntimeCall> {
        RuntimeCall c = call("gemm");
        c.tensor(operands[0]).tensor(operands[1]);
        if (gemm.getC())
          c.tensor(operands[2]);
        else
          c.noTensor();
        c.real(gemm.getAlpha().convertToFloat())
            .real(gemm.getBeta().convertToFloat())
            .integer(gemm.getTransA())
            .integer(gemm.getTransB());
        return c;
      })
      .Case([&](nn::SliceOp slice) -> FailureOr<RuntimeCall> {
        RuntimeCall c = call(slice.getStep() == 1 ? "slice" : "slice_step");
        c.tensor(operands[0])
            .integer(slice.getAxis())
            .integer(slice.getStart())
            .integer(slice.getEnd());
        if (slice.getStep() != 1)
          c.integer(slice.getStep());
        return c;
      })
      .Case([&](nn::LeakyReluOp op) {
        return unary("LeakyRelu", op.getAlpha().convertToFloat(), 0);
      })
      .Case([&](nn::ClipOp op) {
        return unary("Clip", op.getMin().convertToFloat(),
                     op.getMax().convertToFloat());
      })
      .Case([&](nn::SigmoidOp) { return unary("Sigmoid", 0, 0); })
      .Case([&](nn::HardSigmoidOp op) {
        return unary("HardSigmoid", op.getAlpha().convertToFloat(),
                     op.getBeta().convertToFloat());
      })
      .Case([&](nn::HardSwishOp) { return unary("HardSwish", 0, 0); })
      .Case([&](nn::TanhOp) { return unary("Tanh", 0, 0); })
      .Case([&](nn::SubOp) { return binary("Sub"); })
      .Case([&](nn::MulOp) { return binary("Mul"); })
      .Case([&](nn::DivOp) { return binary("Div"); })
      .Case([&](nn::PReluOp) { return binary("PRelu"); })
      .Case([&](nn::AveragePoolOp pool) -> FailureOr<RuntimeCall> {
        return call("average_pool")
            .tensor(operands[0])
            .integers(pool.getKernelShape())
            .integers(pool.getPads())
            .integers(pool.getStrides())
            .integer(pool.getCeilMode())
            .integer(pool.getCountIncludePad());
      })
      .Case([&](nn::GlobalMaxPoolOp) -> FailureOr<RuntimeCall> {
        return call("global_max_pool").tensor(operands[0]);
      })
      .Case([&](nn::ReduceMeanOp op) -> FailureOr<RuntimeCall> {
        return call("reduce_mean")
            .tensor(operands[0])
            .integers(op.getAxes())
            .integer(op.getKeepdims());
      })
      .Case([&](nn::SoftmaxOp op) -> FailureOr<RuntimeCall> {
        return call("softmax").tensor(operands[0]).integer(op.getAxis());
      })
      .Case([&](nn::MatMulOp) -> FailureOr<RuntimeCall> {
        return call("matmul").tensor(operands[0]).tensor(operands[1]);
      })
      .Case([&](nn::ReshapeOp op) -> FailureOr<RuntimeCall> {
        return call("reshape").tensor(operands[0]).integers(
            op.getType().getShape());
      })
      .Case([&](nn::TransposeOp op) -> FailureOr<RuntimeCall> {
        return call("transpose").tensor(operands[0]).integers(op.getPerm());
      })
      .Case([&](nn::PadOp op) -> FailureOr<RuntimeCall> {
        return call("pad")
            .tensor(operands[0])
            .integers(op.getPads())
            .real(op.getValue().convertToFloat());
      })
      .Case([&](nn::ConcatOp concat) -> FailureOr<RuntimeCall> {
        RuntimeCall c = call("concat");
        c.integer(concat.getAxis());
        for (Value v : operands)
          c.tensor(v);
        return c;
      })
      .Default([&](Operation *) -> FailureOr<RuntimeCall> {
        return op->emitOpError("has no runtime kernel");
      });
}
