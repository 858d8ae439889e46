// dist.send / dist.recv as calls into the runtime's transport (abi.h).
#include "sepnn/Conversion/RuntimeCall.h"

#include "Dist/DistOps.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::sepnn;

static std::string wireTypeLiteral(StringRef wire) {
  return wire == "f16" ? "sepnn::rt::WireType::F16" : "sepnn::rt::WireType::Int8";
}

int64_t mlir::sepnn::transferBytes(ArrayRef<int64_t> shape,
                                   std::optional<StringRef> wire) {
  int64_t numel = 1;
  for (int64_t d : shape)
    numel *= d;
  if (!wire)
    return numel * 4;
  if (*wire == "f16")
    return numel * 2;
  // int8: one byte per value plus an f32 scale per channel (dim 1, or dim 0
  // of a vector).
  int64_t channels = shape.size() >= 2   ? shape[1]
                     : shape.size() == 1 ? shape[0]
                                         : 1;
  return numel + 4 * channels;
}

FailureOr<RuntimeCall> mlir::sepnn::describeDistOp(Operation *op,
                                                   Value runtimeCtx,
                                                   ArrayRef<Value> operands) {
  MLIRContext *ctx = op->getContext();
  return llvm::TypeSwitch<Operation *, FailureOr<RuntimeCall>>(op)
      .Case([&](dist::SendOp send) -> FailureOr<RuntimeCall> {
        RuntimeCall c(ctx, runtimeCtx, send.getWire() ? "send_as" : "send");
        c.tensor(operands[0]).integer(send.getTo()).integer(send.getTag());
        if (send.getWire())
          c.literal(wireTypeLiteral(*send.getWire()));
        return c;
      })
      .Case([&](dist::RecvOp recv) -> FailureOr<RuntimeCall> {
        RuntimeCall c(ctx, runtimeCtx, recv.getWire() ? "recv_as" : "recv");
        c.integer(recv.getFrom())
            .integer(recv.getTag())
            .integers(recv.getType().getShape());
        if (recv.getWire())
          c.literal(wireTypeLiteral(*recv.getWire()));
        return c;
      })
      .Default([&](Operation *) -> FailureOr<RuntimeCall> {
        return op->emitOpError("is not a dist transfer");
      });
}
