#include "sepnn/Pipelines/Pipelines.h"
#include "sepnn/Conversion/Passes.h"
#include "sepnn/Transforms/Passes.h"

#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::sepnn;

void mlir::sepnn::buildCleanupPipeline(OpPassManager &pm) {
  pm.addNestedPass<func::FuncOp>(createNNFoldBatchNorm());
  pm.addPass(createCanonicalizerPass());
}

void mlir::sepnn::buildPartitionPipeline(
    OpPassManager &pm, const PartitionPipelineOptions &options) {
  buildCleanupPipeline(pm);
  DistApplyPolicyOptions apply;
  apply.policyFile = options.policy;
  apply.clusterFile = options.cluster;
  apply.numDevices = options.devices;
  pm.addPass(createDistApplyPolicy(apply));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createDistPartition());
  pm.addPass(createDistOutlineDevices());
  pm.addPass(createDistVerifySchedule());
}

void mlir::sepnn::buildCompilePipeline(
    OpPassManager &pm, const PartitionPipelineOptions &options) {
  buildPartitionPipeline(pm, options);
  pm.addPass(createConvertDevicesToEmitC());
}

void mlir::sepnn::registerPipelines() {
  PassPipelineRegistration<>("sepnn-cleanup",
                             "Fold batch norms and canonicalize nn IR",
                             buildCleanupPipeline);
  PassPipelineRegistration<PartitionPipelineOptions>(
      "sepnn-partition",
      "Clean up, apply a policy, insert transfers, outline devices",
      buildPartitionPipeline);
  PassPipelineRegistration<PartitionPipelineOptions>(
      "sepnn-compile", "sepnn-partition, then lower devices to EmitC",
      buildCompilePipeline);
}
