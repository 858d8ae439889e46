// RUN: sepnn-opt %s --dist-apply-policy="devices=2 policy=%S/Inputs/grouped.json" | FileCheck %s

// A depthwise conv split on group boundaries needs only its own groups'
// input channels: each device slices its half of the input locally (input
// lives on device 0) and runs a 2-group conv; nothing else moves.
// CHECK-LABEL: func.func @depthwise
// CHECK: %[[S0:.*]] = nn.slice %arg0 {axis = 1 : i64, dist.device = #dist.device<0>, end = 2 : i64, start = 0 : i64}
// CHECK: %[[S1:.*]] = nn.slice %arg0 {axis = 1 : i64, dist.device = #dist.device<0>, end = 4 : i64, start = 2 : i64}
// CHECK: nn.conv %[[S0]], {{.*}}dist.device = #dist.device<0>, group = 2 : i64{{.*}} -> tensor<1x2x4x4xf32>
// CHECK: nn.conv %[[S1]], {{.*}}dist.device = #dist.device<1>, group = 2 : i64{{.*}} -> tensor<1x2x4x4xf32>
func.func @depthwise(%x: tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32> {
  %w = arith.constant dense<1.0> : tensor<4x1x3x3xf32>
  %c = nn.conv %x, %w {pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 4 : i64}
      : (tensor<1x4x4x4xf32>, tensor<4x1x3x3xf32>) -> tensor<1x4x4x4xf32> loc("dw")
  return %c : tensor<1x4x4x4xf32>
}

// Without a policy, a grouped conv is split evenly in whole groups: 4 groups
// over 3 devices give 2, 1 and 1 groups (2, 1 and 1 channels here).
// RUN: sepnn-opt %s --dist-apply-policy="devices=3" | FileCheck %s --check-prefix=EVEN3
// EVEN3: nn.conv {{.*}}dist.device = #dist.device<0>, group = 2 : i64{{.*}} -> tensor<1x2x4x4xf32>
// EVEN3: nn.conv {{.*}}dist.device = #dist.device<1>, group = 1 : i64{{.*}} -> tensor<1x1x4x4xf32>
// EVEN3: nn.conv {{.*}}dist.device = #dist.device<2>, group = 1 : i64{{.*}} -> tensor<1x1x4x4xf32>
