// dist-partition: make every cross-device edge an explicit send/recv pair.
#include "ValuePlacement.h"
#include "sepnn/Transforms/Passes.h"

#include "Dist/DistOps.h"
#include "mlir/IR/Builders.h"

#include <map>

namespace mlir::sepnn {
#define GEN_PASS_DEF_DISTPARTITION
#include "sepnn/Transforms/Passes.h.inc"
} // namespace mlir::sepnn

using namespace mlir;
using namespace mlir::sepnn;

namespace {
/// How `v` travels: its producer's transmit type, else the module's; null
/// for f32 (the default wire type).
StringAttr wireType(Value v, ModuleOp module) {
  auto name = dist::DistDialect::kTransmitAttrName;
  StringAttr dtype;
  if (Operation *def = v.getDefiningOp())
    dtype = def->getAttrOfType<StringAttr>(name);
  if (!dtype)
    dtype = module->getAttrOfType<StringAttr>(name);
  return dtype && dtype.getValue() != "f32" ? dtype : StringAttr();
}

struct DistPartitionPass : sepnn::impl::DistPartitionBase<DistPartitionPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    // Continue numbering after any transfer that already exists.
    int64_t nextTag = 0;
    module.walk([&](dist::SendOp send) {
      nextTag = std::max<int64_t>(nextTag, send.getTag() + 1);
    });

    for (auto func : module.getOps<func::FuncOp>()) {
      // One transfer per (value, destination), received where first needed.
      std::map<std::pair<void *, int64_t>, Value> received;
      SmallVector<Operation *> ops;
      for (Operation &op : func.getBody().front())
        ops.push_back(&op);
      for (Operation *op : ops) {
        if (isa<dist::SendOp, dist::RecvOp>(op))
          continue;
        // Model outputs are delivered on device 0, which holds the inputs.
        std::optional<int64_t> dst =
            isa<func::ReturnOp>(op) ? 0 : dist::getDevice(op);
        if (!dst)
          continue;
        for (OpOperand &operand : op->getOpOperands()) {
          Value v = operand.get();
          std::optional<int64_t> src = valueDevice(v);
          if (!src || *src == *dst)
            continue;
          Value &recv = received[{v.getAsOpaquePointer(), *dst}];
          if (!recv) {
            OpBuilder builder(op->getContext());
            if (Operation *def = v.getDefiningOp())
              builder.setInsertionPointAfter(def);
            else
              builder.setInsertionPointToStart(v.getParentBlock());
            // Keep sends in the order of their tags after one producer.
            while (isa<dist::SendOp>(*builder.getInsertionPoint()))
              builder.setInsertionPointAfter(&*builder.getInsertionPoint());
            StringAttr wire = wireType(v, module);
            auto send = builder.create<dist::SendOp>(
                v.getLoc(), v, builder.getI64IntegerAttr(*dst),
                builder.getI64IntegerAttr(nextTag), wire);
            dist::setDevice(send, *src);
            builder.setInsertionPoint(op);
            auto recvOp = builder.create<dist::RecvOp>(
                v.getLoc(), v.getType(), builder.getI64IntegerAttr(*src),
                builder.getI64IntegerAttr(nextTag), wire);
            dist::setDevice(recvOp, *dst);
            recv = recvOp.getResult();
            ++nextTag;
          }
          operand.set(recv);
        }
      }
    }
  }
};
} // namespace
