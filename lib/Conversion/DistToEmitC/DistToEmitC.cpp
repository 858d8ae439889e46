// dist.send / dist.recv as calls into the runtime's transport (abi.h).
#include "sepnn/Conversion/RuntimeCall.h"

#include "Dist/DistOps.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::sepnn;

FailureOr<RuntimeCall> mlir::sepnn::describeDistOp(Operation *op,
                                                   Value runtimeCtx,
                                                   ArrayRef<Value> operands) {
  MLIRContext *ctx = op->getContext();
  return llvm::TypeSwitch<Operation *, FailureOr<RuntimeCall>>(op)
      .Case([&](dist::SendOp send) -> FailureOr<RuntimeCall> {
        return RuntimeCall(ctx, runtimeCtx, "send")
            .tensor(operands[0])
            .integer(send.getTo())
            .integer(send.getTag());
      })
      .Case([&](dist::RecvOp recv) -> FailureOr<RuntimeCall> {
        return RuntimeCall(ctx, runtimeCtx, "recv")
            .integer(recv.getFrom())
            .integer(recv.getTag())
            .integers(recv.getType().getShape());
      })
      .Default([&](Operation *) -> FailureOr<RuntimeCall> {
        return op->emitOpError("is not a dist transfer");
      });
}
