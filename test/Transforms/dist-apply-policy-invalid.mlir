// Malformed policies are errors that name the policy file and the JSON field
// (and the node where one is involved); the pass fails, nothing is half-done.

// RUN: not sepnn-opt %s --dist-apply-policy="devices=2 policy=%S/Inputs/bad-split.json" 2>&1 | FileCheck %s --check-prefix=SPLIT
// SPLIT: bad-split.json: ops.conv1.split: unknown strategy 'diagonal' (expected out_channels, in_channels, rows, device or replicate)

// RUN: not sepnn-opt %s --dist-apply-policy="devices=2 policy=%S/Inputs/bad-sizes.json" 2>&1 | FileCheck %s --check-prefix=SIZES
// SIZES: loc("conv1"): {{.*}}bad-sizes.json: ops.conv1.sizes: sizes sum to 5 but node 'conv1' has 4 output channels

// RUN: not sepnn-opt %s --dist-apply-policy="devices=2 policy=%S/Inputs/bad-device.json" 2>&1 | FileCheck %s --check-prefix=DEVICE
// DEVICE: bad-device.json: ops.conv1.devices: device 7 is not in the cluster (2 devices)

// RUN: not sepnn-opt %s --dist-apply-policy="devices=2 policy=%S/Inputs/unknown-node.json" 2>&1 | FileCheck %s --check-prefix=NODE
// NODE: unknown-node.json: ops.convX: no node named 'convX' in the model

// RUN: not sepnn-opt %s --dist-apply-policy="devices=2 policy=%S/Inputs/rows-relu.json" 2>&1 | FileCheck %s --check-prefix=ROWSOP
// ROWSOP: rows-relu.json: ops.relu1.split: rows applies to 2-D Conv, MaxPool and AveragePool nodes, not 'nn.relu'

// RUN: not sepnn-opt %s --dist-apply-policy="devices=2 policy=%S/Inputs/rows-sizes.json" 2>&1 | FileCheck %s --check-prefix=ROWSIZES
// ROWSIZES: rows-sizes.json: ops.conv1.sizes: sizes sum to 5 but node 'conv1' has 4 output rows

// RUN: not sepnn-opt %s --dist-apply-policy="devices=2 policy=%S/Inputs/bad-halo.json" 2>&1 | FileCheck %s --check-prefix=HALO
// HALO: bad-halo.json: ops.conv1.halo: expected 'exchange' or 'recompute' on a rows entry

// RUN: not sepnn-opt %s --dist-apply-policy="devices=2 policy=%S/Inputs/bad-scatter.json" 2>&1 | FileCheck %s --check-prefix=SCATTER
// SCATTER: bad-scatter.json: ops.conv1.reduce_scatter: reduce_scatter sum to 3 but node 'conv1' has 4 output channels

// RUN: not sepnn-opt %s --dist-apply-policy="devices=2 policy=%S/Inputs/missing-sizes.json" 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: missing-sizes.json: ops.conv1.sizes: missing field

// RUN: not sepnn-opt %s --dist-apply-policy="devices=2 policy=%S/Inputs/typo.json" 2>&1 | FileCheck %s --check-prefix=TYPO
// TYPO: typo.json: ops.conv1.devcies: unknown field (expected one of: split, devices, sizes, reduce_to, reduce_scatter, halo, transmit_dtype)

// RUN: not sepnn-opt %s --dist-apply-policy="devices=2 policy=%S/Inputs/syntax.json" 2>&1 | FileCheck %s --check-prefix=SYNTAX
// SYNTAX: syntax.json: invalid JSON: [2:0, byte=83]: Expected , or } after object property

// RUN: not sepnn-opt %s --dist-apply-policy="devices=2 policy=%S/Inputs/wrong-type.json" 2>&1 | FileCheck %s --check-prefix=TYPE
// TYPE: wrong-type.json: ops.conv1.sizes: expected an array

// RUN: not sepnn-opt %s --dist-apply-policy="devices=2 policy=%S/Inputs/relu-split.json" 2>&1 | FileCheck %s --check-prefix=RELU
// RELU: relu-split.json: ops.relu1.split: out_channels applies to Conv and Gemm nodes, not 'nn.relu'

// RUN: not sepnn-opt %s --dist-apply-policy="devices=2 policy=%S/Inputs/count.json" 2>&1 | FileCheck %s --check-prefix=COUNT
// COUNT: count.json: ops.conv1.sizes: has 1 entries but 'devices' has 2

// RUN: not sepnn-opt %s --dist-apply-policy="devices=2 policy=%S/Inputs/version.json" 2>&1 | FileCheck %s --check-prefix=VERSION
// VERSION: version.json: version: unsupported version 2 (expected 1)

// RUN: not sepnn-opt %s --dist-apply-policy="devices=2 policy=%S/Inputs/bad-default.json" 2>&1 | FileCheck %s --check-prefix=DEFAULT
// DEFAULT: bad-default.json: default.device: device 3 is not in the cluster (2 devices)

// RUN: not sepnn-opt %s --dist-apply-policy="devices=2 policy=%S/Inputs/does-not-exist.json" 2>&1 | FileCheck %s --check-prefix=NOFILE
// NOFILE: does-not-exist.json: cannot read: No such file or directory

// RUN: not sepnn-opt %s --dist-apply-policy 2>&1 | FileCheck %s --check-prefix=NOCLUSTER
// NOCLUSTER: dist-apply-policy needs a cluster: pass cluster=FILE or devices=N

func.func @model(%x: tensor<1x2x4x4xf32>) -> tensor<1x4x4x4xf32> {
  %w1 = arith.constant dense<1.0> : tensor<4x2x3x3xf32>
  %c1 = nn.conv %x, %w1 {pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64}
      : (tensor<1x2x4x4xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x4x4xf32> loc("conv1")
  %r = nn.relu %c1 : (tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32> loc("relu1")
  return %r : tensor<1x4x4x4xf32>
}
