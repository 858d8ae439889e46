// The pass pipelines shared by sepnn-opt and the sepnn driver.
#ifndef SEPNN_PIPELINES_PIPELINES_H
#define SEPNN_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace mlir::sepnn {

struct PartitionPipelineOptions
    : public PassPipelineOptions<PartitionPipelineOptions> {
  Option<std::string> policy{*this, "policy",
                             llvm::cl::desc("POLICY.json (empty: default)"),
                             llvm::cl::init("")};
  Option<std::string> cluster{*this, "cluster",
                              llvm::cl::desc("CLUSTER.json"),
                              llvm::cl::init("")};
  Option<int64_t> devices{*this, "devices",
                          llvm::cl::desc("devices when no cluster is given"),
                          llvm::cl::init(0)};
};

/// nn cleanup: fold batch norms, canonicalize.
void buildCleanupPipeline(OpPassManager &pm);
/// cleanup, apply the policy, insert transfers, outline one function per
/// device.
void buildPartitionPipeline(OpPassManager &pm,
                            const PartitionPipelineOptions &options);
/// partition, then lower every device function to EmitC.
void buildCompilePipeline(OpPassManager &pm,
                          const PartitionPipelineOptions &options);

void registerPipelines();

} // namespace mlir::sepnn

#endif
