// RUN: sepnn-opt %s --dist-apply-policy="devices=2 policy=%S/Inputs/fused.json" | FileCheck %s

// Fused tiles: conv1 recomputes its consumers' halos, so each device computes
// the conv1 rows its conv2 band needs (its band plus one halo row) from the
// input rows those need; no conv1 row crosses the network, only the input's.
// CHECK-LABEL: func.func @fused
// CHECK: %[[X0:.*]] = nn.slice %arg0 {axis = 2 : i64, dist.device = #dist.device<0>, end = 6 : i64, start = 0 : i64}
// CHECK: %[[X1:.*]] = nn.slice %arg0 {axis = 2 : i64, dist.device = #dist.device<0>, end = 8 : i64, start = 2 : i64}
// CHECK: %[[A0:.*]] = nn.conv %[[X0]], {{.*}}dist.device = #dist.device<0>{{.*}}pads = array<i64: 1, 1, 0, 1>{{.*}} -> tensor<1x4x5x8xf32>
// CHECK: %[[R0:.*]] = nn.relu %[[A0]] {dist.device = #dist.device<0>}
// CHECK: %[[B0:.*]] = nn.conv %[[R0]], {{.*}}dist.device = #dist.device<0>{{.*}} -> tensor<1x4x4x8xf32>
// CHECK: %[[A1:.*]] = nn.conv %[[X1]], {{.*}}dist.device = #dist.device<1>{{.*}}pads = array<i64: 0, 1, 1, 1>{{.*}} -> tensor<1x4x5x8xf32>
// CHECK: %[[R1:.*]] = nn.relu %[[A1]] {dist.device = #dist.device<1>}
// CHECK: %[[B1:.*]] = nn.conv %[[R1]], {{.*}}dist.device = #dist.device<1>{{.*}} -> tensor<1x4x4x8xf32>
// Reduce-scatter: each device adds its own output channels ([0,1) on device
// 0, [1,4) on device 1) of both partial sums; relu3 follows that split.
// CHECK: %[[P0:.*]] = nn.conv {{.*}}dist.device = #dist.device<0>{{.*}} -> tensor<1x4x8x8xf32>
// CHECK: %[[S00:.*]] = nn.slice %[[P0]] {axis = 1 : i64, dist.device = #dist.device<0>, end = 1 : i64, start = 0 : i64}
// CHECK: %[[S01:.*]] = nn.slice %[[P0]] {axis = 1 : i64, dist.device = #dist.device<0>, end = 4 : i64, start = 1 : i64}
// CHECK: %[[P1:.*]] = nn.conv {{.*}}dist.device = #dist.device<1>{{.*}} -> tensor<1x4x8x8xf32>
// CHECK: %[[S10:.*]] = nn.slice %[[P1]] {axis = 1 : i64, dist.device = #dist.device<1>, end = 1 : i64, start = 0 : i64}
// CHECK: %[[S11:.*]] = nn.slice %[[P1]] {axis = 1 : i64, dist.device = #dist.device<1>, end = 4 : i64, start = 1 : i64}
// CHECK: %[[SUM0:.*]] = nn.add %[[S00]], %[[S10]] {dist.device = #dist.device<0>} {{.*}} -> tensor<1x1x8x8xf32>
// CHECK: %[[SUM1:.*]] = nn.add %[[S11]], %[[S01]] {dist.device = #dist.device<1>} {{.*}} -> tensor<1x3x8x8xf32>
// CHECK: nn.relu %[[SUM0]] {dist.device = #dist.device<0>}
// CHECK: nn.relu %[[SUM1]] {dist.device = #dist.device<1>}
func.func @fused(%x: tensor<1x2x8x8xf32>) -> tensor<1x4x8x8xf32> {
  %w1 = arith.constant dense<1.0> : tensor<4x2x3x3xf32>
  %c1 = nn.conv %x, %w1 {pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64}
      : (tensor<1x2x8x8xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x8x8xf32> loc("conv1")
  %r = nn.relu %c1 : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> loc("relu1")
  %w2 = arith.constant dense<0.5> : tensor<4x4x3x3xf32>
  %c2 = nn.conv %r, %w2 {pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64}
      : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32> loc("conv2")
  %w3 = arith.constant dense<0.25> : tensor<4x4x1x1xf32>
  %c3 = nn.conv %c2, %w3 {pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64}
      : (tensor<1x4x8x8xf32>, tensor<4x4x1x1xf32>) -> tensor<1x4x8x8xf32> loc("conv3")
  %r3 = nn.relu %c3 : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> loc("relu3")
  return %r3 : tensor<1x4x8x8xf32>
}
