// RUN: sepnn-opt %s --split-input-file --dist-apply-policy="devices=2" | FileCheck %s --check-prefix=EVEN
// RUN: sepnn-opt %s --split-input-file --dist-apply-policy="devices=2 policy=%S/Inputs/pipeline.json" | FileCheck %s --check-prefix=PIPE
// RUN: sepnn-opt %s --split-input-file --dist-apply-policy="devices=2 policy=%S/Inputs/uneven.json" | FileCheck %s --check-prefix=UNEVEN

// The default policy splits every conv and gemm evenly by output channels;
// relu follows its producer's slices; the gemm needs its whole input, which
// is assembled on each device from the slices (one local, one remote).
// EVEN: module attributes {dist.cluster = #dist.cluster<devices = 2>}
// EVEN-LABEL: func.func @two_convs
// EVEN: %[[C0:.*]] = nn.conv %arg0, {{.*}}dist.device = #dist.device<0>{{.*}} -> tensor<1x2x4x4xf32>
// EVEN: %[[C1:.*]] = nn.conv %arg0, {{.*}}dist.device = #dist.device<1>{{.*}} -> tensor<1x2x4x4xf32>
// EVEN: %[[R0:.*]] = nn.relu %[[C0]] {dist.device = #dist.device<0>}
// EVEN: %[[R1:.*]] = nn.relu %[[C1]] {dist.device = #dist.device<1>}
// EVEN: %[[K0:.*]] = nn.concat %[[R0]], %[[R1]] {axis = 1 : i64, dist.device = #dist.device<0>}
// EVEN: nn.conv %[[K0]], {{.*}}dist.device = #dist.device<0>
// EVEN: %[[K1:.*]] = nn.concat %[[R0]], %[[R1]] {axis = 1 : i64, dist.device = #dist.device<1>}
// EVEN: nn.conv %[[K1]], {{.*}}dist.device = #dist.device<1>
// EVEN: nn.gemm {{.*}}{{{.*}}dist.device = #dist.device<0>{{.*}}} {{.*}} -> tensor<1x2xf32>
// EVEN: nn.gemm {{.*}}{{{.*}}dist.device = #dist.device<1>{{.*}}} {{.*}} -> tensor<1x1xf32>
// EVEN: %[[OUT:.*]] = nn.concat {{.*}}dist.device = #dist.device<0>{{.*}} -> tensor<1x3xf32>
// EVEN: return %[[OUT]]

// A layer pipeline: only `device` placements, no sharding.
// PIPE-LABEL: func.func @two_convs
// PIPE: nn.conv %arg0, {{.*}}dist.device = #dist.device<0>{{.*}} -> tensor<1x4x4x4xf32>
// PIPE: nn.relu {{.*}}dist.device = #dist.device<0>
// PIPE: nn.conv {{.*}}dist.device = #dist.device<1>{{.*}} -> tensor<1x4x4x4xf32>
// PIPE: nn.global_average_pool {{.*}}dist.device = #dist.device<1>
// PIPE: nn.gemm {{.*}}dist.device = #dist.device<1>
// PIPE-NOT: nn.concat
// PIPE-NOT: nn.slice

// Uneven sizes in any device order: conv1 gives channels [0,3) to device 1
// and [3,4) to device 0; conv2 on device 0 needs all four, so device 1's
// slice joins device 0's in channel order.
// UNEVEN-LABEL: func.func @two_convs
// UNEVEN: %[[A:.*]] = nn.conv %arg0, {{.*}}dist.device = #dist.device<1>{{.*}} -> tensor<1x3x4x4xf32>
// UNEVEN: %[[B:.*]] = nn.conv %arg0, {{.*}}dist.device = #dist.device<0>{{.*}} -> tensor<1x1x4x4xf32>
// UNEVEN: %[[RA:.*]] = nn.relu %[[A]] {dist.device = #dist.device<1>}
// UNEVEN: %[[RB:.*]] = nn.relu %[[B]] {dist.device = #dist.device<0>}
// UNEVEN: nn.concat %[[RA]], %[[RB]] {axis = 1 : i64, dist.device = #dist.device<0>}
func.func @two_convs(%x: tensor<1x2x4x4xf32>) -> tensor<1x3xf32> {
  %w1 = arith.constant dense<1.0> : tensor<4x2x3x3xf32>
  %c1 = nn.conv %x, %w1 {pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64}
      : (tensor<1x2x4x4xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x4x4xf32> loc("conv1")
  %r = nn.relu %c1 : (tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32> loc("relu1")
  %w2 = arith.constant dense<1.0> : tensor<4x4x3x3xf32>
  %c2 = nn.conv %r, %w2 {pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64}
      : (tensor<1x4x4x4xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x4x4xf32> loc("conv2")
  %g = nn.global_average_pool %c2 : (tensor<1x4x4x4xf32>) -> tensor<1x4x1x1xf32>
  %f = nn.flatten %g {axis = 1 : i64} : (tensor<1x4x1x1xf32>) -> tensor<1x4xf32>
  %fw = arith.constant dense<0.5> : tensor<3x4xf32>
  %fb = arith.constant dense<0.5> : tensor<3xf32>
  %y = nn.gemm %f, %fw, %fb {alpha = 1.0 : f32, beta = 1.0 : f32, transA = 0 : i64, transB = 1 : i64}
      : (tensor<1x4xf32>, tensor<3x4xf32>, tensor<3xf32>) -> tensor<1x3xf32> loc("fc")
  return %y : tensor<1x3xf32>
}
