// RUN: sepnn-opt %s --split-input-file --verify-diagnostics

// A conv's result shape must follow ONNX's output-size rule.
func.func @conv_result_shape(%x: tensor<1x4x8x8xf32>, %w: tensor<8x4x3x3xf32>) {
  // expected-error @+1 {{result shape 1x8x7x7 does not match the expected shape 1x8x6x6}}
  %c = nn.conv %x, %w {pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64}
      : (tensor<1x4x8x8xf32>, tensor<8x4x3x3xf32>) -> tensor<1x8x7x7xf32>
  return
}

// -----

// The weight's input channels times the group must be the input's channels.
func.func @conv_channels(%x: tensor<1x4x8x8xf32>, %w: tensor<8x3x3x3xf32>) {
  // expected-error @+1 {{weight has 3 input channels per group but the input has 4 channels in 1 groups}}
  %c = nn.conv %x, %w {pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64}
      : (tensor<1x4x8x8xf32>, tensor<8x3x3x3xf32>) -> tensor<1x8x8x8xf32>
  return
}

// -----

// The group must divide both channel counts.
func.func @conv_group(%x: tensor<1x4x8x8xf32>, %w: tensor<6x1x3x3xf32>) {
  // expected-error @+1 {{group 4 must divide input channels 4 and output channels 6}}
  %c = nn.conv %x, %w {pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 4 : i64}
      : (tensor<1x4x8x8xf32>, tensor<6x1x3x3xf32>) -> tensor<1x6x8x8xf32>
  return
}

// -----

// The bias has one value per output channel.
func.func @conv_bias(%x: tensor<1x4x8x8xf32>, %w: tensor<8x4x3x3xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{bias must have shape 8, got 4}}
  %c = nn.conv %x, %w, %b {pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64}
      : (tensor<1x4x8x8xf32>, tensor<8x4x3x3xf32>, tensor<4xf32>) -> tensor<1x8x8x8xf32>
  return
}

// -----

// pads has four entries: begins then ends.
func.func @conv_pads(%x: tensor<1x4x8x8xf32>, %w: tensor<8x4x3x3xf32>) {
  // expected-error @+1 {{expects 4 pads, got 2}}
  %c = nn.conv %x, %w {pads = array<i64: 1, 1>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64}
      : (tensor<1x4x8x8xf32>, tensor<8x4x3x3xf32>) -> tensor<1x8x8x8xf32>
  return
}

// -----

// Only 4-D (2-D spatial) convolutions exist.
func.func @conv_rank(%x: tensor<1x4x8xf32>, %w: tensor<8x4x3x3xf32>) {
  // expected-error @+1 {{expects a 4-D input, got rank 3}}
  %c = nn.conv %x, %w {pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64}
      : (tensor<1x4x8xf32>, tensor<8x4x3x3xf32>) -> tensor<1x8x8x8xf32>
  return
}

// -----

// Shapes must be static.
func.func @dynamic(%x: tensor<?x4x8x8xf32>) {
  // expected-error @+1 {{requires static shapes}}
  %r = nn.global_average_pool %x : (tensor<?x4x8x8xf32>) -> tensor<?x4x1x1xf32>
  return
}

// -----

// Batch-norm parameters have one value per channel.
func.func @batch_norm_params(%x: tensor<1x8x4x4xf32>, %p: tensor<8xf32>, %q: tensor<4xf32>) {
  // expected-error @+1 {{per-channel parameters must have shape 8, got 4}}
  %n = nn.batch_norm %x, %p, %q, %p, %p {epsilon = 1.0e-05 : f32}
      : (tensor<1x8x4x4xf32>, tensor<8xf32>, tensor<4xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<1x8x4x4xf32>
  return
}

// -----

// Batch norm keeps the input's shape.
func.func @batch_norm_result(%x: tensor<1x8x4x4xf32>, %p: tensor<8xf32>) {
  // expected-error @+1 {{result shape 1x8x4x5 does not match the expected shape 1x8x4x4}}
  %n = nn.batch_norm %x, %p, %p, %p, %p {epsilon = 1.0e-05 : f32}
      : (tensor<1x8x4x4xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<1x8x4x5xf32>
  return
}

// -----

// Batch norm needs a channel dimension.
func.func @batch_norm_rank(%x: tensor<8xf32>, %p: tensor<8xf32>) {
  // expected-error @+1 {{expects an input of rank at least 2, got 1}}
  %n = nn.batch_norm %x, %p, %p, %p, %p {epsilon = 1.0e-05 : f32}
      : (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return
}

// -----

// relu keeps its operand's type.
func.func @relu_type(%x: tensor<1x8xf32>) {
  // expected-error @+1 {{requires the same type for all operands and results}}
  %r = "nn.relu"(%x) : (tensor<1x8xf32>) -> tensor<1x4xf32>
  return
}

// -----

// add follows numpy broadcasting.
func.func @add_broadcast(%a: tensor<1x8x4x4xf32>, %b: tensor<1x3x4x4xf32>) {
  // expected-error @+1 {{operand shapes 1x8x4x4 and 1x3x4x4 are not broadcastable}}
  %r = nn.add %a, %b : (tensor<1x8x4x4xf32>, tensor<1x3x4x4xf32>) -> tensor<1x8x4x4xf32>
  return
}

// -----

// add's result is the broadcast shape.
func.func @add_result(%a: tensor<1x8x4x4xf32>, %b: tensor<8x1x1xf32>) {
  // expected-error @+1 {{result shape 1x8x4x1 does not match the expected shape 1x8x4x4}}
  %r = nn.add %a, %b : (tensor<1x8x4x4xf32>, tensor<8x1x1xf32>) -> tensor<1x8x4x1xf32>
  return
}

// -----

// A pooling window larger than the padded input does not fit.
func.func @max_pool_window(%x: tensor<1x8x2x2xf32>) {
  // expected-error @+1 {{window does not fit the input of shape 1x8x2x2}}
  %m = nn.max_pool %x {kernel_shape = array<i64: 3, 3>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, ceil_mode = 0 : i64}
      : (tensor<1x8x2x2xf32>) -> tensor<1x8x1x1xf32>
  return
}

// -----

// ONNX requires pads smaller than the pooling kernel.
func.func @max_pool_pads(%x: tensor<1x8x4x4xf32>) {
  // expected-error @+1 {{pads must be smaller than the kernel}}
  %m = nn.max_pool %x {kernel_shape = array<i64: 2, 2>, pads = array<i64: 2, 2, 2, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, ceil_mode = 0 : i64}
      : (tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  return
}

// -----

// Strides must be positive.
func.func @max_pool_stride(%x: tensor<1x8x4x4xf32>) {
  // expected-error @+1 {{expects positive kernel, strides and dilations}}
  %m = nn.max_pool %x {kernel_shape = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 0, 2>, dilations = array<i64: 1, 1>, ceil_mode = 0 : i64}
      : (tensor<1x8x4x4xf32>) -> tensor<1x8x2x2xf32>
  return
}

// -----

// ceil_mode rounds the output size up.
func.func @max_pool_ceil(%x: tensor<1x8x5x5xf32>) {
  // expected-error @+1 {{result shape 1x8x2x2 does not match the expected shape 1x8x3x3}}
  %m = nn.max_pool %x {kernel_shape = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, ceil_mode = 1 : i64}
      : (tensor<1x8x5x5xf32>) -> tensor<1x8x2x2xf32>
  return
}

// -----

// Global pooling keeps batch and channels and sets every spatial extent to 1.
func.func @gap_result(%x: tensor<1x8x4x4xf32>) {
  // expected-error @+1 {{result shape 1x8 does not match the expected shape 1x8x1x1}}
  %g = nn.global_average_pool %x : (tensor<1x8x4x4xf32>) -> tensor<1x8xf32>
  return
}

// -----

// Global pooling needs spatial dimensions.
func.func @gap_rank(%x: tensor<1x8xf32>) {
  // expected-error @+1 {{expects an input of rank at least 3, got 2}}
  %g = nn.global_average_pool %x : (tensor<1x8xf32>) -> tensor<1x8xf32>
  return
}

// -----

// Flatten's axis must be within [-rank, rank].
func.func @flatten_axis(%x: tensor<1x8x2x2xf32>) {
  // expected-error @+1 {{axis 5 is out of range for rank 4}}
  %f = nn.flatten %x {axis = 5 : i64} : (tensor<1x8x2x2xf32>) -> tensor<1x32xf32>
  return
}

// -----

// Flatten's result is [prod(dims[:axis]), prod(dims[axis:])].
func.func @flatten_result(%x: tensor<1x8x2x2xf32>) {
  // expected-error @+1 {{result shape 8x4 does not match the expected shape 1x32}}
  %f = nn.flatten %x {axis = 1 : i64} : (tensor<1x8x2x2xf32>) -> tensor<8x4xf32>
  return
}

// -----

// Gemm's inner dimensions must agree after the transposes.
func.func @gemm_inner(%a: tensor<1x8xf32>, %b: tensor<10x6xf32>) {
  // expected-error @+1 {{inner dimensions differ: 8 vs 6}}
  %y = nn.gemm %a, %b {alpha = 1.0 : f32, beta = 1.0 : f32, transA = 0 : i64, transB = 1 : i64}
      : (tensor<1x8xf32>, tensor<10x6xf32>) -> tensor<1x10xf32>
  return
}

// -----

// Gemm's operands are matrices.
func.func @gemm_rank(%a: tensor<1x8x1xf32>, %b: tensor<10x8xf32>) {
  // expected-error @+1 {{expects 2-D operands, got 1x8x1 and 10x8}}
  %y = nn.gemm %a, %b {alpha = 1.0 : f32, beta = 1.0 : f32, transA = 0 : i64, transB = 1 : i64}
      : (tensor<1x8x1xf32>, tensor<10x8xf32>) -> tensor<1x10xf32>
  return
}

// -----

// Gemm's C must broadcast to [M, N].
func.func @gemm_bias(%a: tensor<1x8xf32>, %b: tensor<10x8xf32>, %c: tensor<5xf32>) {
  // expected-error @+1 {{bias of shape 5 does not broadcast to 1x10}}
  %y = nn.gemm %a, %b, %c {alpha = 1.0 : f32, beta = 1.0 : f32, transA = 0 : i64, transB = 1 : i64}
      : (tensor<1x8xf32>, tensor<10x8xf32>, tensor<5xf32>) -> tensor<1x10xf32>
  return
}

// -----

// Gemm's result is [M, N].
func.func @gemm_result(%a: tensor<1x8xf32>, %b: tensor<10x8xf32>) {
  // expected-error @+1 {{result shape 1x8 does not match the expected shape 1x10}}
  %y = nn.gemm %a, %b {alpha = 1.0 : f32, beta = 1.0 : f32, transA = 0 : i64, transB = 1 : i64}
      : (tensor<1x8xf32>, tensor<10x8xf32>) -> tensor<1x8xf32>
  return
}

// -----

// A slice stays inside its dimension.
func.func @slice_range(%x: tensor<1x8xf32>) {
  // expected-error @+1 {{range [4, 10) with step 1 is not inside dimension 1 of extent 8}}
  %s = nn.slice %x {axis = 1 : i64, start = 4 : i64, end = 10 : i64} : (tensor<1x8xf32>) -> tensor<1x6xf32>
  return
}

// -----

// A slice's axis exists.
func.func @slice_axis(%x: tensor<1x8xf32>) {
  // expected-error @+1 {{axis 2 is out of range for rank 2}}
  %s = nn.slice %x {axis = 2 : i64, start = 0 : i64, end = 1 : i64} : (tensor<1x8xf32>) -> tensor<1x8xf32>
  return
}

// -----

// A slice's result has the range's extent.
func.func @slice_result(%x: tensor<1x8xf32>) {
  // expected-error @+1 {{result shape 1x3 does not match the expected shape 1x4}}
  %s = nn.slice %x {axis = 1 : i64, start = 0 : i64, end = 4 : i64} : (tensor<1x8xf32>) -> tensor<1x3xf32>
  return
}

// -----

// Concatenated tensors agree outside the axis.
func.func @concat_dims(%a: tensor<1x4x2x2xf32>, %b: tensor<1x4x3x2xf32>) {
  // expected-error @+1 {{inputs differ in dimension 2: 1x4x2x2 vs 1x4x3x2}}
  %k = nn.concat %a, %b {axis = 1 : i64} : (tensor<1x4x2x2xf32>, tensor<1x4x3x2xf32>) -> tensor<1x8x2x2xf32>
  return
}

// -----

// Concat's result adds up the extents along the axis.
func.func @concat_result(%a: tensor<1x4xf32>, %b: tensor<1x2xf32>) {
  // expected-error @+1 {{result shape 1x8 does not match the expected shape 1x6}}
  %k = nn.concat %a, %b {axis = 1 : i64} : (tensor<1x4xf32>, tensor<1x2xf32>) -> tensor<1x8xf32>
  return
}

// -----

// Concatenated tensors have one rank.
func.func @concat_rank(%a: tensor<1x4xf32>, %b: tensor<1x2x1xf32>) {
  // expected-error @+1 {{inputs differ in rank}}
  %k = nn.concat %a, %b {axis = 1 : i64} : (tensor<1x4xf32>, tensor<1x2x1xf32>) -> tensor<1x6xf32>
  return
}

// -----

// Concat's axis exists.
func.func @concat_axis(%a: tensor<1x4xf32>) {
  // expected-error @+1 {{axis 3 is out of range for rank 2}}
  %k = nn.concat %a, %a {axis = 3 : i64} : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x8xf32>
  return
}

// -----

// Concat needs something to concatenate.
func.func @concat_empty() {
  // expected-error @+1 {{expects at least one input}}
  %k = nn.concat {axis = 1 : i64} : () -> tensor<1x8xf32>
  return
}

// -----

// The weight of a 2-D conv is 4-D.
func.func @conv_weight_rank(%x: tensor<1x4x8x8xf32>, %w: tensor<8x4x3xf32>) {
  // expected-error @+1 {{expects a 4-D weight, got rank 3}}
  %c = nn.conv %x, %w {pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64}
      : (tensor<1x4x8x8xf32>, tensor<8x4x3xf32>) -> tensor<1x8x8x8xf32>
  return
}

// -----

// One stride per spatial dimension.
func.func @conv_strides(%x: tensor<1x4x8x8xf32>, %w: tensor<8x4x3x3xf32>) {
  // expected-error @+1 {{expects 2 strides, got 1}}
  %c = nn.conv %x, %w {pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1>, dilations = array<i64: 1, 1>, group = 1 : i64}
      : (tensor<1x4x8x8xf32>, tensor<8x4x3x3xf32>) -> tensor<1x8x8x8xf32>
  return
}

// -----

// One dilation per spatial dimension.
func.func @conv_dilations(%x: tensor<1x4x8x8xf32>, %w: tensor<8x4x3x3xf32>) {
  // expected-error @+1 {{expects 2 dilations, got 3}}
  %c = nn.conv %x, %w {pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1, 1>, group = 1 : i64}
      : (tensor<1x4x8x8xf32>, tensor<8x4x3x3xf32>) -> tensor<1x8x8x8xf32>
  return
}

// -----

// Pads are never negative.
func.func @conv_negative_pads(%x: tensor<1x4x8x8xf32>, %w: tensor<8x4x3x3xf32>) {
  // expected-error @+1 {{expects non-negative pads}}
  %c = nn.conv %x, %w {pads = array<i64: -1, 1, 1, 1>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64}
      : (tensor<1x4x8x8xf32>, tensor<8x4x3x3xf32>) -> tensor<1x8x8x8xf32>
  return
}

// -----

// Pooling kernels are 2-D.
func.func @max_pool_kernel(%x: tensor<1x8x4x4xf32>) {
  // expected-error @+1 {{expects a 2-D kernel, got 1 dimensions}}
  %m = nn.max_pool %x {kernel_shape = array<i64: 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, ceil_mode = 0 : i64}
      : (tensor<1x8x4x4xf32>) -> tensor<1x8x2x2xf32>
  return
}

// -----

// Pooling works on 4-D tensors.
func.func @max_pool_rank(%x: tensor<1x8x4xf32>) {
  // expected-error @+1 {{expects a 4-D input, got rank 3}}
  %m = nn.max_pool %x {kernel_shape = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, ceil_mode = 0 : i64}
      : (tensor<1x8x4xf32>) -> tensor<1x8x2x2xf32>
  return
}

// -----

// Binary ops broadcast like numpy.
func.func @mul_broadcast(%a: tensor<1x4x2x2xf32>, %b: tensor<3x1x1xf32>) {
  // expected-error @+1 {{operand shapes 1x4x2x2 and 3x1x1 are not broadcastable}}
  %r = nn.mul %a, %b : (tensor<1x4x2x2xf32>, tensor<3x1x1xf32>) -> tensor<1x4x2x2xf32>
  return
}

// -----

// PRelu's slope broadcasts to the input, not the other way round.
func.func @prelu_slope(%a: tensor<1x4xf32>, %b: tensor<3x4xf32>) {
  // expected-error @+1 {{slope of shape 3x4 does not broadcast to the input}}
  %r = nn.prelu %a, %b : (tensor<1x4xf32>, tensor<3x4xf32>) -> tensor<3x4xf32>
  return
}

// -----

// Average pooling follows ONNX's output-size rule.
func.func @average_pool_result(%x: tensor<1x4x8x8xf32>) {
  // expected-error @+1 {{result shape 1x4x4x4 does not match the expected shape 1x4x3x3}}
  %a = nn.average_pool %x {kernel_shape = array<i64: 3, 3>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>, ceil_mode = 0 : i64, count_include_pad = 0 : i64}
      : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x4xf32>
  return
}

// -----

// Average pooling works on 4-D tensors.
func.func @average_pool_rank(%x: tensor<1x4x8xf32>) {
  // expected-error @+1 {{expects a 4-D input, got rank 3}}
  %a = nn.average_pool %x {kernel_shape = array<i64: 3, 3>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>, ceil_mode = 0 : i64, count_include_pad = 0 : i64}
      : (tensor<1x4x8xf32>) -> tensor<1x4x3x3xf32>
  return
}

// -----

// Global max pooling keeps batch and channels.
func.func @global_max_pool_result(%x: tensor<1x4x8x8xf32>) {
  // expected-error @+1 {{result shape 1x4 does not match the expected shape 1x4x1x1}}
  %g = nn.global_max_pool %x : (tensor<1x4x8x8xf32>) -> tensor<1x4xf32>
  return
}

// -----

// ReduceMean's axes are sorted and distinct.
func.func @reduce_mean_axes(%x: tensor<1x4x8x8xf32>) {
  // expected-error @+1 {{axes must be sorted, distinct and in [0, 4)}}
  %r = nn.reduce_mean %x {axes = array<i64: 3, 2>, keepdims = 1 : i64} : (tensor<1x4x8x8xf32>) -> tensor<1x4x1x1xf32>
  return
}

// -----

// ReduceMean's result drops or keeps the reduced axes.
func.func @reduce_mean_result(%x: tensor<1x4x8x8xf32>) {
  // expected-error @+1 {{result shape 1x4x1x1 does not match the expected shape 1x4}}
  %r = nn.reduce_mean %x {axes = array<i64: 2, 3>, keepdims = 0 : i64} : (tensor<1x4x8x8xf32>) -> tensor<1x4x1x1xf32>
  return
}

// -----

// Softmax's axis exists.
func.func @softmax_axis(%x: tensor<1x10xf32>) {
  // expected-error @+1 {{axis 2 is out of range for rank 2}}
  %s = nn.softmax %x {axis = 2 : i64} : (tensor<1x10xf32>) -> tensor<1x10xf32>
  return
}

// -----

// MatMul's inner dimensions agree.
func.func @matmul_inner(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) {
  // expected-error @+1 {{inner dimensions differ: 3 vs 4}}
  %y = nn.matmul %a, %b : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<2x5xf32>
  return
}

// -----

// MatMul's batch dimensions broadcast.
func.func @matmul_batch(%a: tensor<2x3x4xf32>, %b: tensor<3x4x5xf32>) {
  // expected-error @+1 {{batch dimensions of 2x3x4 and 3x4x5 are not broadcastable}}
  %y = nn.matmul %a, %b : (tensor<2x3x4xf32>, tensor<3x4x5xf32>) -> tensor<2x3x5xf32>
  return
}

// -----

// numpy drops the dimension it added to a 1-D operand.
func.func @matmul_vector(%a: tensor<4xf32>, %b: tensor<4x5xf32>) {
  // expected-error @+1 {{result shape 1x5 does not match the expected shape 5}}
  %y = nn.matmul %a, %b : (tensor<4xf32>, tensor<4x5xf32>) -> tensor<1x5xf32>
  return
}

// -----

// MatMul needs at least vectors.
func.func @matmul_scalar(%a: tensor<f32>, %b: tensor<4x5xf32>) {
  // expected-error @+1 {{operands must have rank at least 1}}
  %y = nn.matmul %a, %b : (tensor<f32>, tensor<4x5xf32>) -> tensor<5xf32>
  return
}

// -----

// Reshape keeps the element count.
func.func @reshape_count(%x: tensor<1x4x2x2xf32>) {
  // expected-error @+1 {{cannot reshape 1x4x2x2 to 1x15: the element counts differ}}
  %y = nn.reshape %x : (tensor<1x4x2x2xf32>) -> tensor<1x15xf32>
  return
}

// -----

// Transpose's perm is a permutation.
func.func @transpose_perm(%x: tensor<1x4x2xf32>) {
  // expected-error @+1 {{perm is not a permutation of [0, 3)}}
  %y = nn.transpose %x {perm = array<i64: 0, 0, 1>} : (tensor<1x4x2xf32>) -> tensor<1x1x4xf32>
  return
}

// -----

// Transpose's perm has one entry per dimension.
func.func @transpose_size(%x: tensor<1x4x2xf32>) {
  // expected-error @+1 {{perm has 2 entries for rank 3}}
  %y = nn.transpose %x {perm = array<i64: 1, 0>} : (tensor<1x4x2xf32>) -> tensor<4x1x2xf32>
  return
}

// -----

// Transpose's result permutes the input's shape.
func.func @transpose_result(%x: tensor<1x4x2xf32>) {
  // expected-error @+1 {{result shape 1x4x2 does not match the expected shape 1x2x4}}
  %y = nn.transpose %x {perm = array<i64: 0, 2, 1>} : (tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  return
}

// -----

// Pad has a begin and an end per dimension.
func.func @pad_count(%x: tensor<1x4xf32>) {
  // expected-error @+1 {{expects 4 pads, got 2}}
  %y = nn.pad %x {pads = array<i64: 1, 1>, value = 0.0 : f32} : (tensor<1x4xf32>) -> tensor<1x6xf32>
  return
}

// -----

// Pad only adds.
func.func @pad_negative(%x: tensor<1x4xf32>) {
  // expected-error @+1 {{expects non-negative pads}}
  %y = nn.pad %x {pads = array<i64: 0, -1, 0, 0>, value = 0.0 : f32} : (tensor<1x4xf32>) -> tensor<1x3xf32>
  return
}

// -----

// Pad's result adds the pads.
func.func @pad_result(%x: tensor<1x4xf32>) {
  // expected-error @+1 {{result shape 1x5 does not match the expected shape 1x6}}
  %y = nn.pad %x {pads = array<i64: 0, 1, 0, 1>, value = 0.0 : f32} : (tensor<1x4xf32>) -> tensor<1x5xf32>
  return
}

// -----

// A strided slice's result counts every step-th element.
func.func @slice_step_result(%x: tensor<1x10xf32>) {
  // expected-error @+1 {{result shape 1x4 does not match the expected shape 1x5}}
  %s = nn.slice %x {axis = 1 : i64, start = 9 : i64, end = -1 : i64, step = -2 : i64} : (tensor<1x10xf32>) -> tensor<1x4xf32>
  return
}

// -----

// A negative-step slice runs downwards inside the dimension.
func.func @slice_negative_range(%x: tensor<1x10xf32>) {
  // expected-error @+1 {{range [2, 5) with step -1 is not inside dimension 1 of extent 10}}
  %s = nn.slice %x {axis = 1 : i64, start = 2 : i64, end = 5 : i64, step = -1 : i64} : (tensor<1x10xf32>) -> tensor<1x3xf32>
  return
}
