// dist-outline-devices: one func.func @device_<k> per device.
#include "ValuePlacement.h"
#include "sepnn/Transforms/Passes.h"

#include "Dist/DistOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"

namespace mlir::sepnn {
#define GEN_PASS_DEF_DISTOUTLINEDEVICES
#include "sepnn/Transforms/Passes.h.inc"
} // namespace mlir::sepnn

using namespace mlir;
using namespace mlir::sepnn;

namespace {
struct DistOutlineDevicesPass
    : sepnn::impl::DistOutlineDevicesBase<DistOutlineDevicesPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    dist::ClusterAttr cluster = dist::getCluster(module);
    if (!cluster) {
      module.emitError("dist-outline-devices needs a 'dist.cluster' module "
                       "attribute (run dist-apply-policy first)");
      return signalPassFailure();
    }
    auto funcs = llvm::to_vector(module.getOps<func::FuncOp>());
    if (funcs.size() != 1) {
      module.emitError("expected exactly one function to outline, found ")
          << funcs.size();
      return signalPassFailure();
    }
    func::FuncOp model = funcs.front();
    Block &body = model.getBody().front();
    auto ret = cast<func::ReturnOp>(body.getTerminator());

    for (Operation &op : body.without_terminator())
      if (!isFreeToReplicate(&op) && !dist::getDevice(&op)) {
        op.emitOpError("is not placed on a device (run dist-apply-policy)");
        return signalPassFailure();
      }
    for (Value v : ret.getOperands())
      if (valueDevice(v).value_or(0) != 0) {
        ret.emitOpError("returns a value that is not on device 0 (run "
                        "dist-apply-policy)");
        return signalPassFailure();
      }

    OpBuilder builder(module.getBodyRegion());
    builder.setInsertionPoint(model);
    for (int64_t k = 0; k < cluster.getDevices(); ++k) {
      // Device 0 holds the model's inputs and outputs.
      FunctionType type =
          k == 0 ? model.getFunctionType() : builder.getFunctionType({}, {});
      auto device = builder.create<func::FuncOp>(
          model.getLoc(), ("device_" + Twine(k)).str(), type);
      dist::setDevice(device, k);
      if (k == 0) {
        // Keep the ONNX names of the model's inputs and outputs.
        if (ArrayAttr args = model.getArgAttrsAttr())
          device.setArgAttrsAttr(args);
        if (ArrayAttr results = model.getResAttrsAttr())
          device.setResAttrsAttr(results);
      }
      Block *entry = device.addEntryBlock();
      OpBuilder inner = OpBuilder::atBlockEnd(entry);
      IRMapping mapping;
      if (k == 0)
        mapping.map(body.getArguments(), entry->getArguments());
      for (Operation &op : body.without_terminator()) {
        if (dist::getDevice(&op) != k)
          continue;
        // Constants are copied into each device that uses them.
        for (Value operand : op.getOperands())
          if (Operation *def = operand.getDefiningOp();
              def && isFreeToReplicate(def) && !mapping.contains(operand))
            inner.clone(*def, mapping);
        Operation *clone = inner.clone(op, mapping);
        clone->removeAttr(dist::DistDialect::kDeviceAttrName);
      }
      SmallVector<Value> results;
      if (k == 0)
        for (Value v : ret.getOperands()) {
          // A model output may be a constant: device 0 makes it itself.
          if (Operation *def = v.getDefiningOp();
              def && isFreeToReplicate(def) && !mapping.contains(v))
            inner.clone(*def, mapping);
          results.push_back(mapping.lookupOrDefault(v));
        }
      inner.create<func::ReturnOp>(model.getLoc(), results);
    }
    model.erase();
  }
};
} // namespace
