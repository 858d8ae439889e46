// RUN: sepnn-opt %s --dist-apply-policy="devices=2 policy=%S/Inputs/rows.json" | FileCheck %s

// The rows strategy. conv1 (3x3, pad 1) gives output rows [0,3) to device 1
// and [3,8) to device 0: each reads its band plus one halo row and keeps the
// original padding only at the image border. Every cut is placed right after
// the value it cuts, so that its transfer leaves as soon as the data exists.
// CHECK-LABEL: func.func @rows
// CHECK: %[[X1:.*]] = nn.slice %arg0 {axis = 2 : i64, dist.device = #dist.device<0>, end = 4 : i64, start = 0 : i64}
// CHECK: %[[X0:.*]] = nn.slice %arg0 {axis = 2 : i64, dist.device = #dist.device<0>, end = 8 : i64, start = 2 : i64}
// CHECK: %[[C1A:.*]] = nn.conv %[[X1]], {{.*}}dist.device = #dist.device<1>{{.*}}pads = array<i64: 1, 1, 0, 1>{{.*}} -> tensor<1x4x3x8xf32>
// CHECK: %[[C1B:.*]] = nn.conv %[[X0]], {{.*}}dist.device = #dist.device<0>{{.*}}pads = array<i64: 0, 1, 1, 1>{{.*}} -> tensor<1x4x5x8xf32>
// relu follows the bands.
// CHECK: %[[RA:.*]] = nn.relu %[[C1A]] {dist.device = #dist.device<1>} : (tensor<1x4x3x8xf32>)
// CHECK: %[[RB:.*]] = nn.relu %[[C1B]] {dist.device = #dist.device<0>} : (tensor<1x4x5x8xf32>)
// The 2x2/2 pool keeps output rows in proportion ([0,2) on device 1, [2,4)
// on device 0); device 1's windows reach row 3, the first row of device 0's
// band: exactly one halo row crosses.
// CHECK: %[[H:.*]] = nn.slice %[[RB]] {axis = 2 : i64, dist.device = #dist.device<0>, end = 1 : i64, start = 0 : i64}
// CHECK: %[[PB_IN:.*]] = nn.slice %[[RB]] {axis = 2 : i64, dist.device = #dist.device<0>, end = 5 : i64, start = 1 : i64}
// CHECK: %[[PA_IN:.*]] = nn.concat %[[RA]], %[[H]] {axis = 2 : i64, dist.device = #dist.device<1>}
// CHECK: %[[PA:.*]] = nn.max_pool %[[PA_IN]] {{.*}}dist.device = #dist.device<1>{{.*}} -> tensor<1x4x2x4xf32>
// CHECK: %[[PB:.*]] = nn.max_pool %[[PB_IN]] {{.*}}dist.device = #dist.device<0>{{.*}} -> tensor<1x4x2x4xf32>
// conv2 (out_channels) needs every row on each device: the bands meet there.
// CHECK: %[[W0:.*]] = nn.concat %[[PA]], %[[PB]] {axis = 2 : i64, dist.device = #dist.device<0>}
// CHECK: %[[C2A:.*]] = nn.conv %[[W0]], {{.*}}dist.device = #dist.device<0>{{.*}} -> tensor<1x2x4x4xf32>
// CHECK: %[[K00:.*]] = nn.slice %[[C2A]] {axis = 2 : i64, dist.device = #dist.device<0>, end = 3 : i64, start = 0 : i64}
// CHECK: %[[K01:.*]] = nn.slice %[[C2A]] {axis = 2 : i64, dist.device = #dist.device<0>, end = 4 : i64, start = 1 : i64}
// CHECK: %[[W1:.*]] = nn.concat %[[PA]], %[[PB]] {axis = 2 : i64, dist.device = #dist.device<1>}
// CHECK: %[[C2B:.*]] = nn.conv %[[W1]], {{.*}}dist.device = #dist.device<1>{{.*}} -> tensor<1x2x4x4xf32>
// conv3 (rows) after a channel split: each device takes its rows (with the
// halo) of every channel slice; the concat joins channels.
// CHECK: %[[K10:.*]] = nn.slice %[[C2B]] {axis = 2 : i64, dist.device = #dist.device<1>, end = 3 : i64, start = 0 : i64}
// CHECK: %[[K11:.*]] = nn.slice %[[C2B]] {axis = 2 : i64, dist.device = #dist.device<1>, end = 4 : i64, start = 1 : i64}
// CHECK: %[[J0:.*]] = nn.concat %[[K00]], %[[K10]] {axis = 1 : i64, dist.device = #dist.device<0>}
// CHECK: nn.conv %[[J0]], {{.*}}dist.device = #dist.device<0>{{.*}}pads = array<i64: 1, 1, 0, 1>{{.*}} -> tensor<1x4x2x4xf32>
// CHECK: %[[J1:.*]] = nn.concat %[[K01]], %[[K11]] {axis = 1 : i64, dist.device = #dist.device<1>}
// CHECK: nn.conv %[[J1]], {{.*}}dist.device = #dist.device<1>{{.*}}pads = array<i64: 0, 1, 1, 1>{{.*}} -> tensor<1x4x2x4xf32>
// The output is assembled on device 0.
// CHECK: %[[OUT:.*]] = nn.concat {{.*}} {axis = 2 : i64, dist.device = #dist.device<0>}
// CHECK: return %[[OUT]]
func.func @rows(%x: tensor<1x2x8x8xf32>) -> tensor<1x4x4x4xf32> {
  %w1 = arith.constant dense<1.0> : tensor<4x2x3x3xf32>
  %c1 = nn.conv %x, %w1 {pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64}
      : (tensor<1x2x8x8xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x8x8xf32> loc("conv1")
  %r = nn.relu %c1 : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> loc("relu1")
  %p = nn.max_pool %r {kernel_shape = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, ceil_mode = 0 : i64}
      : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x4xf32> loc("pool1")
  %w2 = arith.constant dense<0.5> : tensor<4x4x1x1xf32>
  %c2 = nn.conv %p, %w2 {pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64}
      : (tensor<1x4x4x4xf32>, tensor<4x4x1x1xf32>) -> tensor<1x4x4x4xf32> loc("conv2")
  %w3 = arith.constant dense<0.25> : tensor<4x4x3x3xf32>
  %c3 = nn.conv %c2, %w3 {pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64}
      : (tensor<1x4x4x4xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x4x4xf32> loc("conv3")
  return %c3 : tensor<1x4x4x4xf32>
}
