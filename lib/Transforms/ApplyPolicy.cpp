// dist-apply-policy: shard and place every op of the model as POLICY.json says
// (the work is done by PolicyApplier).
#include "PolicyApplier.h"
#include "ValuePlacement.h"
#include "sepnn/Support/Cluster.h"
#include "sepnn/Support/Policy.h"
#include "sepnn/Transforms/Passes.h"

#include "Dist/DistDialect.h"

#include <set>

namespace mlir::sepnn {
#define GEN_PASS_DEF_DISTAPPLYPOLICY
#include "sepnn/Transforms/Passes.h.inc"
} // namespace mlir::sepnn

using namespace mlir;
using namespace mlir::sepnn;

namespace {
struct DistApplyPolicyPass
    : sepnn::impl::DistApplyPolicyBase<DistApplyPolicyPass> {
  using DistApplyPolicyBase::DistApplyPolicyBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();

    std::optional<Policy> policy;
    if (!policyFile.empty()) {
      llvm::Expected<Policy> parsed = readPolicyFile(policyFile);
      if (!parsed) {
        module.emitError(llvm::toString(parsed.takeError()));
        return signalPassFailure();
      }
      policy = std::move(*parsed);
    }

    SmallVector<Attribute> names;
    int64_t devices = numDevices;
    if (!clusterFile.empty()) {
      llvm::Expected<Cluster> cluster = readClusterFile(clusterFile);
      if (!cluster) {
        module.emitError(llvm::toString(cluster.takeError()));
        return signalPassFailure();
      }
      devices = cluster->devices.size();
      for (const ClusterDevice &d : cluster->devices)
        names.push_back(StringAttr::get(ctx, d.name));
    } else if (auto existing = dist::getCluster(module)) {
      devices = existing.getDevices();
      if (existing.getNames())
        names.assign(existing.getNames().begin(), existing.getNames().end());
    }
    if (devices <= 0) {
      module.emitError("dist-apply-policy needs a cluster: pass cluster=FILE "
                       "or devices=N");
      return signalPassFailure();
    }
    module->setAttr(dist::DistDialect::kClusterAttrName,
                    dist::ClusterAttr::get(
                        ctx, devices,
                        names.empty() ? ArrayAttr() : ArrayAttr::get(ctx, names)));

    auto funcs = llvm::to_vector(module.getOps<func::FuncOp>());
    if (funcs.size() != 1) {
      module.emitError("expected exactly one function (the model), found ")
          << funcs.size();
      return signalPassFailure();
    }
    func::FuncOp model = funcs.front();

    if (policy) {
      // Every entry must name a node: a typo must not silently do nothing.
      std::set<std::string> known;
      model.walk([&](Operation *op) { known.insert(nodeName(op)); });
      for (const auto &[name, entry] : policy->ops)
        if (!known.count(name)) {
          module.emitError() << policy->file << ": " << entry.field
                             << ": no node named '" << name
                             << "' in the model";
          return signalPassFailure();
        }
    }

    // The policy-wide transfer type; op entries override it.
    if (policy && policy->transmitDtype != "f32")
      module->setAttr(dist::DistDialect::kTransmitAttrName,
                      StringAttr::get(ctx, policy->transmitDtype));
    PolicyApplier applier(model, policy ? &*policy : nullptr, devices);
    if (failed(applier.run()))
      signalPassFailure();
  }
};
} // namespace

