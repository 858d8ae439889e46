// nn ops as calls into the runtime's kernels (abi.h), one case per op.
#include "sepnn/Conversion/RuntimeCall.h"

#include "NN/NNOps.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::sepnn;

FailureOr<RuntimeCall> mlir::sepnn::describeNNOp(Operation *op,
                                                 Value runtimeCtx,
                                                 ArrayRef<Value> operands) {
  MLIRContext *ctx = op->getContext();
  auto call = [&](StringRef callee) {
    return RuntimeCall(ctx, runtimeCtx, callee);
  };
  return llvm::TypeSwitch<Operation *, FailureOr<RuntimeCall>>(op)
      .Case([&](nn::ConvOp conv) -> FailureOr<RuntimeCall> {
        RuntimeCall c = call("conv");
        c.tensor(operands[0]).tensor(operands[1]);
        if (conv.getBias())
          c.tensor(operands[2]);
        else
          c.noTensor();
        c.integers(conv.getPads())
            .integers(conv.getStrides())
            .integers(conv.getDilations())
            .integer(conv.getGroup());
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
        return call("slice")
            .tensor(operands[0])
            .integer(slice.getAxis())
            .integer(slice.getStart())
            .integer(slice.getEnd());
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
