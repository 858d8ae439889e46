#ifndef SEPNN_TRANSFORMS_PASSES
#define SEPNN_TRANSFORMS_PASSES

include "mlir/Pass/PassBase.td"

def NNFoldBatchNorm : Pass<"nn-fold-batchnorm", "func::FuncOp"> {
  let summary = "Fold an inference-mode batch_norm into the conv that feeds it";
  let description = [{
    `batch_norm(conv(x, W, b))` becomes `conv(x, W', b')` with
    `W' = W * s` and `b' = (b - mean) * s + beta`, `s = scale / sqrt(var + eps)`,
    when the conv has no other user and all parameters are constants.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def DistApplyPolicy : Pass<"dist-apply-policy", "ModuleOp"> {
  let summary = "Shard and place every op as POLICY.json says";
  let description = [{
    Reads a policy (design.md 4.2) and rewrites the single function of the
    module so that every op is placed on one device (`dist.device`):
    `out_channels` ops become one op per device computing a slice of output
    channels (with sliced weights), `device` ops move to one device. Values
    whose layout differs between producer and consumer are re-assembled with
    `nn.slice` / `nn.concat` from exactly the pieces the consumer needs.
    Model inputs live on device 0; outputs are assembled on device 0.
    Without a policy file, every conv and gemm is split evenly by output
    channels over all devices.
  }];
  let options = [
    Option<"policyFile", "policy", "std::string", /*default=*/"\"\"",
           "POLICY.json to apply (empty: the default even out_channels split)">,
    Option<"clusterFile", "cluster", "std::string", /*default=*/"\"\"",
           "CLUSTER.json that names the devices">,
    Option<"numDevices", "devices", "int64_t", /*default=*/"0",
           "number of devices when no cluster file is given">,
  ];
  let dependentDialects = ["::mlir::sepnn::dist::DistDialect",
                           "::mlir::arith::ArithDialect"];
}

def DistPartition : Pass<"dist-partition", "ModuleOp"> {
  let summary = "Insert dist.send/dist.recv on every edge that crosses devices";
  let description = [{
    For every value used on a device other than the one that produces it,
    inserts one `dist.send` after the producer and one `dist.recv` on each
    consuming device (once per value and device), with module-unique tags.
  }];
  let dependentDialects = ["::mlir::sepnn::dist::DistDialect"];
}

def DistOutlineDevices : Pass<"dist-outline-devices", "ModuleOp"> {
  let summary = "Split the partitioned function into one function per device";
  let description = [{
    Moves the ops placed on device k into `func.func @device_k`, which
    receives the model inputs and returns the model outputs that live on
    device k. The order of ops within each device is the original order.
  }];
}

def DistVerifySchedule : Pass<"dist-verify-schedule", "ModuleOp"> {
  let summary = "Prove that the outlined device programs cannot deadlock";
  let description = [{
    Executes the transfers of every `func.func @device_k` symbolically, with
    the runtime's semantics: a `dist.send` never blocks (the receiver drains
    its sockets into a mailbox), a `dist.recv` blocks until its tag has been
    sent. If some device can never proceed, the pass fails and names the
    devices that wait on each other and the tags they wait for.
  }];
}

#endif // SEPNN_TRANSFORMS_PASSES
