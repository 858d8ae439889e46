// RUN: sepnn-opt %s --split-input-file --nn-fold-batchnorm | FileCheck %s

// batch_norm(conv) becomes one conv with W' = W * s and b' = (b - mean) * s + beta,
// s = scale / sqrt(var + eps): here s = [1, 0.5], so W' = [2, 1], b' = [1.5, 0.25].
// CHECK-LABEL: func.func @fold
// CHECK-NOT: nn.batch_norm
// CHECK: %[[W:.*]] = arith.constant dense_resource<folded_weight> : tensor<2x1x1x1xf32>
// CHECK: %[[B:.*]] = arith.constant dense_resource<folded_bias> : tensor<2xf32>
// CHECK: %[[C:.*]] = nn.conv %arg0, %[[W]], %[[B]]
// CHECK: return %[[C]]
// CHECK: folded_weight: "0x04000000000000400000803F"
// CHECK: folded_bias: "0x040000000000C03F0000803E"
func.func @fold(%x: tensor<1x1x2x2xf32>) -> tensor<1x2x2x2xf32> {
  %w = arith.constant dense<2.0> : tensor<2x1x1x1xf32>
  %b = arith.constant dense<[1.0, 0.5]> : tensor<2xf32>
  %scale = arith.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %beta = arith.constant dense<[0.5, 0.0]> : tensor<2xf32>
  %mean = arith.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %var = arith.constant dense<[1.0, 4.0]> : tensor<2xf32>
  %c = nn.conv %x, %w, %b {pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64}
      : (tensor<1x1x2x2xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  %n = nn.batch_norm %c, %scale, %beta, %mean, %var {epsilon = 0.0 : f32}
      : (tensor<1x2x2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  return %n : tensor<1x2x2x2xf32>
}

// -----

// A conv with another user keeps its output: the batch norm stays.
// CHECK-LABEL: func.func @shared_conv
// CHECK: nn.conv
// CHECK: nn.batch_norm
func.func @shared_conv(%x: tensor<1x1x2x2xf32>, %p: tensor<2xf32>) -> (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>) {
  %w = arith.constant dense<2.0> : tensor<2x1x1x1xf32>
  %c = nn.conv %x, %w {pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64}
      : (tensor<1x1x2x2xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x2x2xf32>
  %n = nn.batch_norm %c, %p, %p, %p, %p {epsilon = 1.0e-05 : f32}
      : (tensor<1x2x2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  return %c, %n : tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>
}

// -----

// Parameters that are not constants cannot be folded.
// CHECK-LABEL: func.func @runtime_params
// CHECK: nn.batch_norm
func.func @runtime_params(%x: tensor<1x1x2x2xf32>, %p: tensor<2xf32>) -> tensor<1x2x2x2xf32> {
  %w = arith.constant dense<2.0> : tensor<2x1x1x1xf32>
  %c = nn.conv %x, %w {pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64}
      : (tensor<1x1x2x2xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x2x2xf32>
  %n = nn.batch_norm %c, %p, %p, %p, %p {epsilon = 1.0e-05 : f32}
      : (tensor<1x2x2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  return %n : tensor<1x2x2x2xf32>
}
