// RUN: sepnn-opt %s --split-input-file --dist-apply-policy="devices=3 policy=%S/Inputs/in-channels.json" | FileCheck %s
// RUN: not sepnn-opt %s --split-input-file --dist-apply-policy="devices=3 policy=%S/Inputs/bad-reduce.json" 2>&1 | FileCheck %s --check-prefix=REDUCE

// in_channels: each device convolves its input-channel slice (cut where the
// input lives, device 0) with the matching weight slice; the partial sums are
// added on reduce_to (device 1), its own first; the bias is added once, by
// reduce_to's partial. replicate: the relu runs on devices 1 and 2.
// CHECK-LABEL: func.func @model
// CHECK: %[[X0:.*]] = nn.slice %arg0 {axis = 1 : i64, dist.device = #dist.device<0>, end = 1 : i64, start = 0 : i64}
// CHECK: %[[X1:.*]] = nn.slice %arg0 {axis = 1 : i64, dist.device = #dist.device<0>, end = 3 : i64, start = 1 : i64}
// CHECK: %[[X2:.*]] = nn.slice %arg0 {axis = 1 : i64, dist.device = #dist.device<0>, end = 4 : i64, start = 3 : i64}
// CHECK: %[[P0:.*]] = nn.conv %[[X0]], %{{[a-z_0-9]+}} {{{.*}}dist.device = #dist.device<0>{{.*}}} : (tensor<1x1x4x4xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x4x4xf32>
// CHECK: %[[P1:.*]] = nn.conv %[[X1]], %{{[a-z_0-9]+}}, %{{[a-z_0-9]+}} {{{.*}}dist.device = #dist.device<1>{{.*}}} : (tensor<1x2x4x4xf32>, tensor<2x2x3x3xf32>, tensor<2xf32>)
// CHECK: %[[P2:.*]] = nn.conv %[[X2]], %{{[a-z_0-9]+}} {{{.*}}dist.device = #dist.device<2>{{.*}}} : (tensor<1x1x4x4xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x4x4xf32>
// CHECK: %[[S1:.*]] = nn.add %[[P1]], %[[P0]] {dist.device = #dist.device<1>}
// CHECK: %[[S2:.*]] = nn.add %[[S1]], %[[P2]] {dist.device = #dist.device<1>}
// CHECK: nn.relu %[[S2]] {dist.device = #dist.device<1>}
// CHECK: nn.relu %[[S2]] {dist.device = #dist.device<2>}
func.func @model(%x: tensor<1x4x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = arith.constant dense<1.0> : tensor<2x4x3x3xf32>
  %b = arith.constant dense<0.5> : tensor<2xf32>
  %c = nn.conv %x, %w, %b {pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64}
      : (tensor<1x4x4x4xf32>, tensor<2x4x3x3xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32> loc("conv")
  %r = nn.relu %c : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> loc("relu")
  return %r : tensor<1x2x4x4xf32>
}

// REDUCE: bad-reduce.json: ops.conv.reduce_to: device 5 is not in the cluster (3 devices)
