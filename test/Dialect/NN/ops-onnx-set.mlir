// RUN: sepnn-opt %s | sepnn-opt | FileCheck %s
// RUN: sepnn-opt %s --mlir-print-op-generic | sepnn-opt | FileCheck %s

// The ONNX op set beyond the skeleton survives a print/parse round trip.
// CHECK-LABEL: func.func @elementwise
func.func @elementwise(%x: tensor<1x4x2x2xf32>, %s: tensor<4x1x1xf32>) -> tensor<1x4x2x2xf32> {
  // CHECK: nn.leaky_relu %{{.*}} {alpha = 1.000000e-01 : f32}
  %a = nn.leaky_relu %x {alpha = 0.1 : f32} : (tensor<1x4x2x2xf32>) -> tensor<1x4x2x2xf32>
  // CHECK: nn.clip %{{.*}} {max = 6.000000e+00 : f32, min = 0.000000e+00 : f32}
  %b = nn.clip %a {min = 0.0 : f32, max = 6.0 : f32} : (tensor<1x4x2x2xf32>) -> tensor<1x4x2x2xf32>
  // CHECK: nn.sigmoid
  %c = nn.sigmoid %b : (tensor<1x4x2x2xf32>) -> tensor<1x4x2x2xf32>
  // CHECK: nn.hard_sigmoid %{{.*}} {alpha = 2.000000e-01 : f32, beta = 5.000000e-01 : f32}
  %d = nn.hard_sigmoid %c {alpha = 0.2 : f32, beta = 0.5 : f32} : (tensor<1x4x2x2xf32>) -> tensor<1x4x2x2xf32>
  // CHECK: nn.hard_swish
  %e = nn.hard_swish %d : (tensor<1x4x2x2xf32>) -> tensor<1x4x2x2xf32>
  // CHECK: nn.tanh
  %f = nn.tanh %e : (tensor<1x4x2x2xf32>) -> tensor<1x4x2x2xf32>
  // CHECK: nn.sub
  %g = nn.sub %f, %x : (tensor<1x4x2x2xf32>, tensor<1x4x2x2xf32>) -> tensor<1x4x2x2xf32>
  // CHECK: nn.mul
  %h = nn.mul %g, %s : (tensor<1x4x2x2xf32>, tensor<4x1x1xf32>) -> tensor<1x4x2x2xf32>
  // CHECK: nn.div
  %i = nn.div %h, %s : (tensor<1x4x2x2xf32>, tensor<4x1x1xf32>) -> tensor<1x4x2x2xf32>
  // CHECK: nn.prelu
  %j = nn.prelu %i, %s : (tensor<1x4x2x2xf32>, tensor<4x1x1xf32>) -> tensor<1x4x2x2xf32>
  return %j : tensor<1x4x2x2xf32>
}

// CHECK-LABEL: func.func @pools_and_layout
func.func @pools_and_layout(%x: tensor<1x4x8x8xf32>, %m: tensor<16x3xf32>) -> tensor<2x3xf32> {
  // CHECK: nn.average_pool %{{.*}} {ceil_mode = 1 : i64, count_include_pad = 1 : i64, kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>}
  %a = nn.average_pool %x {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>, ceil_mode = 1 : i64, count_include_pad = 1 : i64}
      : (tensor<1x4x8x8xf32>) -> tensor<1x4x5x5xf32>
  // CHECK: nn.global_max_pool
  %g = nn.global_max_pool %a : (tensor<1x4x5x5xf32>) -> tensor<1x4x1x1xf32>
  // CHECK: nn.reduce_mean %{{.*}} {axes = array<i64: 2, 3>, keepdims = 0 : i64}
  %r = nn.reduce_mean %x {axes = array<i64: 2, 3>, keepdims = 0 : i64} : (tensor<1x4x8x8xf32>) -> tensor<1x4xf32>
  // CHECK: nn.transpose %{{.*}} {perm = array<i64: 0, 2, 3, 1>}
  %t = nn.transpose %x {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x4x8x8xf32>) -> tensor<1x8x8x4xf32>
  // CHECK: nn.pad %{{.*}} {pads = array<i64: 0, 0, 1, 0, 0, 0, 1, 0>, value = 0.000000e+00 : f32}
  %p = nn.pad %t {pads = array<i64: 0, 0, 1, 0, 0, 0, 1, 0>, value = 0.0 : f32} : (tensor<1x8x8x4xf32>) -> tensor<1x8x10x4xf32>
  // CHECK: nn.slice %{{.*}} {axis = 2 : i64, end = -1 : i64, start = 9 : i64, step = -2 : i64}
  %s = nn.slice %p {axis = 2 : i64, start = 9 : i64, end = -1 : i64, step = -2 : i64} : (tensor<1x8x10x4xf32>) -> tensor<1x8x5x4xf32>
  // CHECK: nn.reshape
  %q = nn.reshape %s : (tensor<1x8x5x4xf32>) -> tensor<10x16xf32>
  // CHECK: nn.matmul
  %y = nn.matmul %q, %m : (tensor<10x16xf32>, tensor<16x3xf32>) -> tensor<10x3xf32>
  // CHECK: nn.softmax %{{.*}} {axis = 1 : i64}
  %z = nn.softmax %y {axis = 1 : i64} : (tensor<10x3xf32>) -> tensor<10x3xf32>
  %k = nn.slice %z {axis = 0 : i64, start = 0 : i64, end = 2 : i64} : (tensor<10x3xf32>) -> tensor<2x3xf32>
  return %k : tensor<2x3xf32>
}
