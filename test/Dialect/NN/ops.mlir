// RUN: sepnn-opt %s | sepnn-opt | FileCheck %s
// RUN: sepnn-opt %s --mlir-print-op-generic | sepnn-opt | FileCheck %s

// Every nn op survives a print/parse round trip.
// CHECK-LABEL: func.func @all_ops
func.func @all_ops(%x: tensor<1x4x8x8xf32>, %w: tensor<8x4x3x3xf32>, %b: tensor<8xf32>,
                   %p: tensor<8xf32>, %fw: tensor<10x8xf32>, %fb: tensor<10xf32>) -> tensor<1x10xf32> {
  // CHECK: nn.conv %{{.*}}, %{{.*}}, %{{.*}} {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>}
  %c = nn.conv %x, %w, %b {pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64}
      : (tensor<1x4x8x8xf32>, tensor<8x4x3x3xf32>, tensor<8xf32>) -> tensor<1x8x8x8xf32>
  // CHECK: nn.conv %{{.*}}, %{{.*}} {
  %c2 = nn.conv %x, %w {pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, group = 1 : i64}
      : (tensor<1x4x8x8xf32>, tensor<8x4x3x3xf32>) -> tensor<1x8x3x3xf32>
  // CHECK: nn.batch_norm
  %n = nn.batch_norm %c, %p, %p, %p, %p {epsilon = 1.0e-05 : f32}
      : (tensor<1x8x8x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<1x8x8x8xf32>
  // CHECK: nn.relu
  %r = nn.relu %n : (tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
  // CHECK: nn.add
  %a = nn.add %r, %c : (tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
  // CHECK: nn.max_pool {{.*}}ceil_mode = 1
  %m = nn.max_pool %a {kernel_shape = array<i64: 3, 3>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, ceil_mode = 1 : i64}
      : (tensor<1x8x8x8xf32>) -> tensor<1x8x4x4xf32>
  // CHECK: nn.slice {{.*}}end = 6 : i64, start = 2 : i64
  %s = nn.slice %m {axis = 1 : i64, start = 2 : i64, end = 6 : i64} : (tensor<1x8x4x4xf32>) -> tensor<1x4x4x4xf32>
  // CHECK: nn.concat
  %k = nn.concat %s, %s {axis = 1 : i64} : (tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>) -> tensor<1x8x4x4xf32>
  // CHECK: nn.global_average_pool
  %g = nn.global_average_pool %k : (tensor<1x8x4x4xf32>) -> tensor<1x8x1x1xf32>
  // CHECK: nn.flatten
  %f = nn.flatten %g {axis = 1 : i64} : (tensor<1x8x1x1xf32>) -> tensor<1x8xf32>
  // CHECK: nn.gemm {{.*}}transB = 1
  %y = nn.gemm %f, %fw, %fb {alpha = 1.0 : f32, beta = 1.0 : f32, transA = 0 : i64, transB = 1 : i64}
      : (tensor<1x8xf32>, tensor<10x8xf32>, tensor<10xf32>) -> tensor<1x10xf32>
  return %y : tensor<1x10xf32>
}
