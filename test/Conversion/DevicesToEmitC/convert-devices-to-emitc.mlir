// RUN: sepnn-opt %s --split-input-file --convert-devices-to-emitc | FileCheck %s

// Each device function becomes straight-line calls into the runtime ABI:
// arguments are inputs, results are outputs, constants are weights at
// 64-byte aligned offsets (the same constant once), sends carry their size.
// CHECK-LABEL: func.func @device_0(
// CHECK-SAME: %[[CTX:[a-z0-9]*]]: !emitc.ptr<!emitc.opaque<"sepnn::rt::Ctx">>)
// CHECK-SAME: sepnn.input_names = ["x"]
// CHECK-SAME: sepnn.output_names = ["y"]
// CHECK-SAME: sepnn.weight_bytes = 192
// CHECK: %[[X:.*]] = emitc.call_opaque "sepnn::rt::input"(%[[CTX]]) {args = [0 : index, #emitc.opaque<"0">, #emitc.opaque<"{1, 2, 2, 2}">]}
// CHECK: %[[W:.*]] = emitc.call_opaque "sepnn::rt::weight"(%[[CTX]]) {args = [0 : index, #emitc.opaque<"0">, #emitc.opaque<"{2, 2, 1, 1}">]{{.*}}sepnn.offset = 0
// CHECK: %[[B:.*]] = emitc.call_opaque "sepnn::rt::weight"(%[[CTX]]) {args = [0 : index, #emitc.opaque<"64">, #emitc.opaque<"{2}">]{{.*}}sepnn.offset = 64
// CHECK: %[[C:.*]] = emitc.call_opaque "sepnn::rt::conv"(%[[CTX]], %[[X]], %[[W]], %[[B]]) {args = [0 : index, 1 : index, 2 : index, 3 : index, #emitc.opaque<"{0, 0, 0, 0}">, #emitc.opaque<"{1, 1}">, #emitc.opaque<"{1, 1}">, #emitc.opaque<"1">]}
// CHECK: %[[S:.*]] = emitc.call_opaque "sepnn::rt::slice"(%[[CTX]], %[[C]]) {args = [0 : index, 1 : index, #emitc.opaque<"1">, #emitc.opaque<"0">, #emitc.opaque<"1">]}
// CHECK: emitc.call_opaque "sepnn::rt::send"(%[[CTX]], %[[S]]) {args = [0 : index, 1 : index, #emitc.opaque<"1">, #emitc.opaque<"0">], sepnn.bytes = 16 : i64}
// CHECK: %[[R:.*]] = emitc.call_opaque "sepnn::rt::recv"(%[[CTX]]) {args = [0 : index, #emitc.opaque<"1">, #emitc.opaque<"1">, #emitc.opaque<"{1, 1, 2, 2}">], sepnn.recv = array<i64: 1, 0, 1, 16>}
// CHECK: %[[K:.*]] = emitc.call_opaque "sepnn::rt::concat"(%[[CTX]], %[[S]], %[[R]]) {args = [0 : index, #emitc.opaque<"1">, 1 : index, 2 : index]}
// CHECK: %[[G:.*]] = emitc.call_opaque "sepnn::rt::gemm"(%[[CTX]], {{.*}}) {args = [0 : index, 1 : index, 2 : index, #emitc.opaque<"sepnn::rt::Tensor{}">, #emitc.opaque<"1">, #emitc.opaque<"0">, #emitc.opaque<"0">, #emitc.opaque<"1">]}
// CHECK: emitc.call_opaque "sepnn::rt::output"(%[[CTX]], %[[G]]) {args = [0 : index, #emitc.opaque<"0">, 1 : index]}
// CHECK-NEXT: return
// CHECK-LABEL: func.func @device_1(
// CHECK: "sepnn::rt::recv"
// CHECK: "sepnn::rt::relu"
// CHECK: "sepnn::rt::send"
module attributes {dist.cluster = #dist.cluster<devices = 2>} {
  func.func @device_0(%x: tensor<1x2x2x2xf32> {nn.name = "x"}) -> (tensor<1x2xf32> {nn.name = "y"}) attributes {dist.device = #dist.device<0>} {
    %w = arith.constant dense<1.0> : tensor<2x2x1x1xf32>
    %b = arith.constant dense<0.5> : tensor<2xf32>
    %c = nn.conv %x, %w, %b {pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64}
        : (tensor<1x2x2x2xf32>, tensor<2x2x1x1xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
    %s = nn.slice %c {axis = 1 : i64, start = 0 : i64, end = 1 : i64} : (tensor<1x2x2x2xf32>) -> tensor<1x1x2x2xf32>
    dist.send %s to 1 tag 0 : tensor<1x1x2x2xf32>
    %r = dist.recv from 1 tag 1 : tensor<1x1x2x2xf32>
    %k = nn.concat %s, %r {axis = 1 : i64} : (tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>) -> tensor<1x2x2x2xf32>
    %g = nn.global_average_pool %k : (tensor<1x2x2x2xf32>) -> tensor<1x2x1x1xf32>
    %f = nn.flatten %g {axis = 1 : i64} : (tensor<1x2x1x1xf32>) -> tensor<1x2xf32>
    %fw = arith.constant dense<1.0> : tensor<2x2xf32>
    %y = nn.gemm %f, %fw {alpha = 1.0 : f32, beta = 0.0 : f32, transA = 0 : i64, transB = 1 : i64}
        : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
    return %y : tensor<1x2xf32>
  }
  func.func @device_1() attributes {dist.device = #dist.device<1>} {
    %t = dist.recv from 0 tag 0 : tensor<1x1x2x2xf32>
    %r = nn.relu %t : (tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32>
    dist.send %r to 0 tag 1 : tensor<1x1x2x2xf32>
    return
  }
}

// -----

// A conv whose only user is a relu becomes one conv_relu call (the relu reuses its
// handle); a conv with two users is not fused. Every computed tensor is released
// right after its last use (sends included), weights and inputs never, outputs live
// to the end.
// CHECK-LABEL: func.func @device_0(
// CHECK: %[[X:.*]] = emitc.call_opaque "sepnn::rt::input"
// CHECK: %[[A:.*]] = emitc.call_opaque "sepnn::rt::conv_relu"(%{{.*}}, %[[X]],
// CHECK-NEXT: %[[B:.*]] = emitc.call_opaque "sepnn::rt::conv"(%{{.*}}, %[[A]],
// CHECK-NEXT: emitc.call_opaque "sepnn::rt::release"(%{{.*}}, %[[A]])
// CHECK-NEXT: %[[R:.*]] = emitc.call_opaque "sepnn::rt::relu"(%{{.*}}, %[[B]])
// CHECK-NEXT: emitc.call_opaque "sepnn::rt::send"(%{{.*}}, %[[B]])
// CHECK-NEXT: emitc.call_opaque "sepnn::rt::release"(%{{.*}}, %[[B]])
// CHECK-NEXT: emitc.call_opaque "sepnn::rt::output"(%{{.*}}, %[[R]])
// CHECK-NEXT: return
// A received tensor nobody uses is released at once.
// CHECK-LABEL: func.func @device_1(
// CHECK: %[[T:.*]] = emitc.call_opaque "sepnn::rt::recv"
// CHECK-NEXT: emitc.call_opaque "sepnn::rt::release"(%{{.*}}, %[[T]])
// CHECK-NEXT: return
module attributes {dist.cluster = #dist.cluster<devices = 2>} {
  func.func @device_0(%x: tensor<1x2x2x2xf32> {nn.name = "x"}) -> (tensor<1x2x2x2xf32> {nn.name = "y"}) attributes {dist.device = #dist.device<0>} {
    %w = arith.constant dense<1.0> : tensor<2x2x1x1xf32>
    %c = nn.conv %x, %w {pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64}
        : (tensor<1x2x2x2xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x2x2xf32>
    %a = nn.relu %c : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
    %d = nn.conv %a, %w {pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64}
        : (tensor<1x2x2x2xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x2x2xf32>
    %r = nn.relu %d : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
    dist.send %d to 1 tag 0 : tensor<1x2x2x2xf32>
    return %r : tensor<1x2x2x2xf32>
  }
  func.func @device_1() attributes {dist.device = #dist.device<1>} {
    %t = dist.recv from 0 tag 0 : tensor<1x2x2x2xf32>
    return
  }
}

// -----

// A reshape is a view of its operand's values: the relu's result is released only
// after the last use of its reshape (the add), not after the reshape itself; the view
// is never released on its own. A reshape of the input is a view of memory the
// runtime owns.
// CHECK-LABEL: func.func @device_0(
// CHECK: %[[X:.*]] = emitc.call_opaque "sepnn::rt::input"
// CHECK-NEXT: %[[R:.*]] = emitc.call_opaque "sepnn::rt::relu"(%{{.*}}, %[[X]])
// CHECK-NEXT: %[[V:.*]] = emitc.call_opaque "sepnn::rt::reshape"(%{{.*}}, %[[R]])
// CHECK-NEXT: %[[I:.*]] = emitc.call_opaque "sepnn::rt::reshape"(%{{.*}}, %[[X]])
// CHECK-NEXT: %[[A:.*]] = emitc.call_opaque "sepnn::rt::add"(%{{.*}}, %[[V]], %[[I]])
// CHECK-NEXT: emitc.call_opaque "sepnn::rt::release"(%{{.*}}, %[[R]])
// CHECK-NEXT: emitc.call_opaque "sepnn::rt::output"(%{{.*}}, %[[A]])
// CHECK-NEXT: return
module attributes {dist.cluster = #dist.cluster<devices = 1>} {
  func.func @device_0(%x: tensor<1x2x2x2xf32> {nn.name = "x"}) -> (tensor<2x4xf32> {nn.name = "y"}) attributes {dist.device = #dist.device<0>} {
    %r = nn.relu %x : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
    %v = nn.reshape %r : (tensor<1x2x2x2xf32>) -> tensor<2x4xf32>
    %i = nn.reshape %x : (tensor<1x2x2x2xf32>) -> tensor<2x4xf32>
    %a = nn.add %v, %i : (tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
    return %a : tensor<2x4xf32>
  }
}

// -----

// A conv whose only user is a clip with finite bounds (ReLU6) becomes one conv_clip
// call with the bounds as its last arguments; a clip without an upper bound is not
// fused.
// CHECK-LABEL: func.func @device_0(
// CHECK: %[[A:.*]] = emitc.call_opaque "sepnn::rt::conv_clip"(%{{.*}}) {args = [{{.*}}, #emitc.opaque<"1">, #emitc.opaque<"0">, #emitc.opaque<"6">]}
// CHECK-NEXT: %[[B:.*]] = emitc.call_opaque "sepnn::rt::conv"(%{{.*}}, %[[A]],
// CHECK-NEXT: emitc.call_opaque "sepnn::rt::release"(%{{.*}}, %[[A]])
// CHECK-NEXT: %[[C:.*]] = emitc.call_opaque "sepnn::rt::unary"(%{{.*}}, %[[B]]) {{.*}}Clip
module attributes {dist.cluster = #dist.cluster<devices = 1>} {
  func.func @device_0(%x: tensor<1x2x2x2xf32> {nn.name = "x"}) -> (tensor<1x2x2x2xf32> {nn.name = "y"}) attributes {dist.device = #dist.device<0>} {
    %w = arith.constant dense<1.0> : tensor<2x2x1x1xf32>
    %c = nn.conv %x, %w {pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64}
        : (tensor<1x2x2x2xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x2x2xf32>
    %a = nn.clip %c {min = 0.0 : f32, max = 6.0 : f32} : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
    %d = nn.conv %a, %w {pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64}
        : (tensor<1x2x2x2xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x2x2xf32>
    %r = nn.clip %d {min = 0.0 : f32, max = 0x7F800000 : f32} : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
    return %r : tensor<1x2x2x2xf32>
  }
}

// -----

// A residual connection: a conv whose only user is an add of a tensor of its type
// becomes one conv_add_relu call (the add's only user a relu) at the add, after the
// residual's own conv (defined after it); when both operands of an add qualify, the
// first is fused and the second stays a conv. An add without a relu after it becomes
// conv_add; an add that broadcasts, or of a conv with two users, is not fused. Each
// fused call is its residual's last use: its output goes over it (place_next), and the
// residual lives as long as that output (D is released after S's last use).
// CHECK-LABEL: func.func @device_0(
// CHECK: %[[X:.*]] = emitc.call_opaque "sepnn::rt::input"
// CHECK: %[[D:.*]] = emitc.call_opaque "sepnn::rt::conv"(%{{.*}}, %[[X]],
// CHECK-NEXT: emitc.call_opaque "sepnn::rt::place_next"(%{{.*}}, %[[D]]) {args = [{{.*}}, #emitc.opaque<"0">, #emitc.opaque<"0">]}
// CHECK-NEXT: %[[S:.*]] = emitc.call_opaque "sepnn::rt::conv_add_relu"(%{{.*}}, %[[X]], %{{.*}}, %{{.*}}, %[[D]])
// CHECK-NEXT: %[[D2:.*]] = emitc.call_opaque "sepnn::rt::conv"(%{{.*}}, %[[S]],
// CHECK-NEXT: emitc.call_opaque "sepnn::rt::place_next"(%{{.*}}, %[[D2]])
// CHECK-NEXT: %[[T:.*]] = emitc.call_opaque "sepnn::rt::conv_add"(%{{.*}}, %[[S]], %{{.*}}, %{{.*}}, %[[D2]])
// CHECK-NEXT: emitc.call_opaque "sepnn::rt::release"(%{{.*}}, %[[D]])
// CHECK-NOT: sepnn::rt::add"
// CHECK: %[[B:.*]] = emitc.call_opaque "sepnn::rt::conv"(%{{.*}}, %[[T]],
// CHECK: emitc.call_opaque "sepnn::rt::add"(%{{.*}}, %[[B]],
// CHECK: %[[U:.*]] = emitc.call_opaque "sepnn::rt::conv"(%{{.*}}, %[[T]],
// CHECK: emitc.call_opaque "sepnn::rt::add"(%{{.*}}, %[[U]], %[[U]])
module attributes {dist.cluster = #dist.cluster<devices = 1>} {
  func.func @device_0(%x: tensor<1x2x2x2xf32> {nn.name = "x"}) -> (tensor<1x2x2x2xf32> {nn.name = "y"}, tensor<1x2x2x2xf32> {nn.name = "z"}) attributes {dist.device = #dist.device<0>} {
    %w = arith.constant dense<1.0> : tensor<2x2x1x1xf32>
    %b = arith.constant dense<0.5> : tensor<2xf32>
    %bias = arith.constant dense<2.0> : tensor<1x2x1x1xf32>
    %c = nn.conv %x, %w, %b {pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64}
        : (tensor<1x2x2x2xf32>, tensor<2x2x1x1xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
    %d = nn.conv %x, %w {pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64}
        : (tensor<1x2x2x2xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x2x2xf32>
    %s = nn.add %c, %d : (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
    %r = nn.relu %s : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
    %c2 = nn.conv %r, %w, %b {pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64}
        : (tensor<1x2x2x2xf32>, tensor<2x2x1x1xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
    %d2 = nn.conv %r, %w {pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64}
        : (tensor<1x2x2x2xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x2x2xf32>
    %t = nn.add %c2, %d2 : (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
    %bc = nn.conv %t, %w {pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64}
        : (tensor<1x2x2x2xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x2x2xf32>
    %ba = nn.add %bc, %bias : (tensor<1x2x2x2xf32>, tensor<1x2x1x1xf32>) -> tensor<1x2x2x2xf32>
    %u = nn.conv %t, %w {pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64}
        : (tensor<1x2x2x2xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x2x2xf32>
    %uu = nn.add %u, %u : (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
    %z = nn.add %ba, %uu : (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
    return %t, %z : tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>
  }
}

// -----

// Outputs over residuals: in a chain of residual blocks (conv, conv + the block's
// input) each block's output goes over the block's input (place_next onto their
// owner, the first block's input R), which lives until the chain's last use (K is
// returned: never released). Not over a residual used after the call (K), nor over a
// reshape's view (V), nor over the conv's own input (conv(Z) + Z).
// CHECK-LABEL: func.func @device_0(
// CHECK: %[[R:.*]] = emitc.call_opaque "sepnn::rt::conv"(
// CHECK-NEXT: %[[T1:.*]] = emitc.call_opaque "sepnn::rt::conv"(%{{.*}}, %[[R]],
// CHECK-NEXT: emitc.call_opaque "sepnn::rt::place_next"(%{{.*}}, %[[R]])
// CHECK-NEXT: %[[A:.*]] = emitc.call_opaque "sepnn::rt::conv_add_relu"(%{{.*}}, %[[T1]], %{{.*}}, %[[R]])
// CHECK-NEXT: emitc.call_opaque "sepnn::rt::release"(%{{.*}}, %[[T1]])
// CHECK-NEXT: %[[T2:.*]] = emitc.call_opaque "sepnn::rt::conv"(%{{.*}}, %[[A]],
// CHECK-NEXT: emitc.call_opaque "sepnn::rt::place_next"(%{{.*}}, %[[R]])
// CHECK-NEXT: %[[B:.*]] = emitc.call_opaque "sepnn::rt::conv_add_relu"(%{{.*}}, %[[T2]], %{{.*}}, %[[A]])
// CHECK-NEXT: emitc.call_opaque "sepnn::rt::release"(%{{.*}}, %[[T2]])
// CHECK-NEXT: %[[T3:.*]] = emitc.call_opaque "sepnn::rt::conv"(%{{.*}}, %[[B]],
// CHECK-NEXT: emitc.call_opaque "sepnn::rt::place_next"(%{{.*}}, %[[R]])
// CHECK-NEXT: %[[K:.*]] = emitc.call_opaque "sepnn::rt::conv_add_relu"(%{{.*}}, %[[T3]], %{{.*}}, %[[B]])
// CHECK-NOT: place_next
// CHECK: %[[Y:.*]] = emitc.call_opaque "sepnn::rt::conv_add"(%{{.*}}, %{{.*}}, %{{.*}}, %[[K]])
// CHECK: %[[V:.*]] = emitc.call_opaque "sepnn::rt::reshape"(%{{.*}}, %[[Y]])
// CHECK: %[[Z:.*]] = emitc.call_opaque "sepnn::rt::conv_add"(%{{.*}}, %{{.*}}, %{{.*}}, %[[V]])
// CHECK: emitc.call_opaque "sepnn::rt::conv_add"(%{{.*}}, %[[Z]], %{{.*}}, %[[Z]])
// CHECK-NOT: place_next
// CHECK-NOT: "sepnn::rt::release"(%{{.*}}, %[[R]])
module attributes {dist.cluster = #dist.cluster<devices = 1>} {
  func.func @device_0(%x: tensor<1x2x2x2xf32> {nn.name = "x"}) -> (tensor<1x2x2x2xf32> {nn.name = "k"}, tensor<1x2x2x2xf32> {nn.name = "q"}) attributes {dist.device = #dist.device<0>} {
    %w = arith.constant dense<1.0> : tensor<2x2x1x1xf32>
    %r = nn.conv %x, %w {pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64}
        : (tensor<1x2x2x2xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x2x2xf32>
    %t1 = nn.conv %r, %w {pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64}
        : (tensor<1x2x2x2xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x2x2xf32>
    %c1 = nn.conv %t1, %w {pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64}
        : (tensor<1x2x2x2xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x2x2xf32>
    %s1 = nn.add %c1, %r : (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
    %a = nn.relu %s1 : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
    %t2 = nn.conv %a, %w {pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64}
        : (tensor<1x2x2x2xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x2x2xf32>
    %c2 = nn.conv %t2, %w {pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64}
        : (tensor<1x2x2x2xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x2x2xf32>
    %s2 = nn.add %c2, %a : (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
    %b = nn.relu %s2 : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
    %t3 = nn.conv %b, %w {pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64}
        : (tensor<1x2x2x2xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x2x2xf32>
    %c3 = nn.conv %t3, %w {pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64}
        : (tensor<1x2x2x2xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x2x2xf32>
    %s3 = nn.add %c3, %b : (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
    %k = nn.relu %s3 : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
    %t4 = nn.conv %k, %w {pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64}
        : (tensor<1x2x2x2xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x2x2xf32>
    %c4 = nn.conv %t4, %w {pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64}
        : (tensor<1x2x2x2xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x2x2xf32>
    %y = nn.add %c4, %k : (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
    %v = nn.reshape %y : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
    %t5 = nn.conv %y, %w {pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64}
        : (tensor<1x2x2x2xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x2x2xf32>
    %c5 = nn.conv %t5, %w {pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64}
        : (tensor<1x2x2x2xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x2x2xf32>
    %z = nn.add %c5, %v : (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
    %c6 = nn.conv %z, %w {pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64}
        : (tensor<1x2x2x2xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x2x2xf32>
    %q = nn.add %c6, %z : (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
    return %k, %q : tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>
  }
}

// -----

// A max pool after a conv, or after the relu fused into it, with no other user,
// becomes one conv_max_pool call (ABI 6: the relu flag, then the pool's kernel, pads,
// strides, dilations and ceil mode) whose handle the relu and the pool reuse; after a
// clip, or after a relu with two users, the pool stays a call of its own.
// CHECK-LABEL: func.func @device_0(
// CHECK: %[[X:.*]] = emitc.call_opaque "sepnn::rt::input"
// CHECK: %[[P:.*]] = emitc.call_opaque "sepnn::rt::conv_max_pool"(%{{.*}}, %[[X]], %{{.*}}, %{{.*}}) {args = [{{.*}}, #emitc.opaque<"1">, #emitc.opaque<"1">, #emitc.opaque<"{3, 3}">, #emitc.opaque<"{0, 0, 1, 1}">, #emitc.opaque<"{2, 2}">, #emitc.opaque<"{1, 1}">, #emitc.opaque<"1">]}
// CHECK-NEXT: %[[Q:.*]] = emitc.call_opaque "sepnn::rt::conv_max_pool"(%{{.*}}, %[[P]], %{{.*}}) {args = [{{.*}}, #emitc.opaque<"1">, #emitc.opaque<"0">, #emitc.opaque<"{2, 2}">
// CHECK-NOT: sepnn::rt::relu"
// CHECK: %[[C:.*]] = emitc.call_opaque "sepnn::rt::conv_clip"(%{{.*}}, %[[Q]],
// CHECK-NEXT: emitc.call_opaque "sepnn::rt::max_pool"(%{{.*}}, %[[C]])
// CHECK: %[[D:.*]] = emitc.call_opaque "sepnn::rt::conv_relu"(%{{.*}}, %[[Q]],
// CHECK: emitc.call_opaque "sepnn::rt::max_pool"(%{{.*}}, %[[D]])
// CHECK-NOT: conv_max_pool
module attributes {dist.cluster = #dist.cluster<devices = 1>} {
  func.func @device_0(%x: tensor<1x2x8x8xf32> {nn.name = "x"}) -> (tensor<1x2x2x2xf32> {nn.name = "y"}, tensor<1x2x1x1xf32> {nn.name = "z"}, tensor<1x2x2x2xf32> {nn.name = "u"}) attributes {dist.device = #dist.device<0>} {
    %w = arith.constant dense<1.0> : tensor<2x2x1x1xf32>
    %b = arith.constant dense<0.5> : tensor<2xf32>
    %c = nn.conv %x, %w, %b {pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64}
        : (tensor<1x2x8x8xf32>, tensor<2x2x1x1xf32>, tensor<2xf32>) -> tensor<1x2x8x8xf32>
    %r = nn.relu %c : (tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
    %p = nn.max_pool %r {kernel_shape = array<i64: 3, 3>, pads = array<i64: 0, 0, 1, 1>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, ceil_mode = 1 : i64}
        : (tensor<1x2x8x8xf32>) -> tensor<1x2x4x4xf32>
    %c2 = nn.conv %p, %w {pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64}
        : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
    %q = nn.max_pool %c2 {kernel_shape = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, ceil_mode = 0 : i64}
        : (tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xf32>
    %c3 = nn.conv %q, %w {pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64}
        : (tensor<1x2x2x2xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x2x2xf32>
    %k = nn.clip %c3 {min = 0.0 : f32, max = 6.0 : f32} : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
    %z = nn.max_pool %k {kernel_shape = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, ceil_mode = 0 : i64}
        : (tensor<1x2x2x2xf32>) -> tensor<1x2x1x1xf32>
    %c4 = nn.conv %q, %w {pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64}
        : (tensor<1x2x2x2xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x2x2xf32>
    %r4 = nn.relu %c4 : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
    %y = nn.max_pool %r4 {kernel_shape = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, ceil_mode = 0 : i64}
        : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
    return %y, %z, %r4 : tensor<1x2x2x2xf32>, tensor<1x2x1x1xf32>, tensor<1x2x2x2xf32>
  }
}

// -----

// A concat written in place (ABI 5): every part the value of its own call, used only
// by the concat, dims before the axis 1. The concatenated tensor is reserved before the
// first part's call, each part's call (a conv with its fused relu; a plain relu) is
// placed into its slice, and the concat lowers to nothing: its users read the reserved
// tensor, released after its last use (the placed parts, views of it, never are). A
// concat with a part that is an argument, or of a batch of two, stays a copy.
// CHECK-LABEL: func.func @device_0(
// CHECK: %[[X:.*]] = emitc.call_opaque "sepnn::rt::input"
// CHECK: %[[R:.*]] = emitc.call_opaque "sepnn::rt::reserve"(%{{.*}}) {args = [{{.*}}, #emitc.opaque<"{1, 6, 2, 2}">]}
// CHECK-NEXT: emitc.call_opaque "sepnn::rt::place_next"(%{{.*}}, %[[R]]) {args = [{{.*}}, #emitc.opaque<"1">, #emitc.opaque<"0">]}
// CHECK-NEXT: %[[P0:.*]] = emitc.call_opaque "sepnn::rt::conv_relu"(%{{.*}}, %[[X]],
// CHECK-NEXT: emitc.call_opaque "sepnn::rt::place_next"(%{{.*}}, %[[R]]) {args = [{{.*}}, #emitc.opaque<"1">, #emitc.opaque<"2">]}
// CHECK-NEXT: %[[P1:.*]] = emitc.call_opaque "sepnn::rt::conv_relu"(%{{.*}}, %[[X]],
// CHECK-NEXT: emitc.call_opaque "sepnn::rt::place_next"(%{{.*}}, %[[R]]) {args = [{{.*}}, #emitc.opaque<"1">, #emitc.opaque<"4">]}
// CHECK-NEXT: %[[P2:.*]] = emitc.call_opaque "sepnn::rt::unary"(%{{.*}}, %[[X]])
// CHECK-NOT: release"(%{{.*}}, %[[P0]])
// CHECK-NOT: release"(%{{.*}}, %[[P1]])
// CHECK-NOT: release"(%{{.*}}, %[[P2]])
// CHECK-NOT: sepnn::rt::concat
// CHECK: %[[Y:.*]] = emitc.call_opaque "sepnn::rt::conv"(%{{.*}}, %[[R]],
// CHECK-NEXT: emitc.call_opaque "sepnn::rt::release"(%{{.*}}, %[[R]])
// CHECK: emitc.call_opaque "sepnn::rt::concat"(%{{.*}}, %[[X]], %{{.*}})
// CHECK: emitc.call_opaque "sepnn::rt::concat"(%{{.*}}, %{{.*}}, %{{.*}})
// CHECK-NOT: place_next
module attributes {dist.cluster = #dist.cluster<devices = 1>} {
  func.func @device_0(%x: tensor<1x2x2x2xf32> {nn.name = "x"}, %x2: tensor<2x2x2x2xf32> {nn.name = "x2"}) -> (tensor<1x2x2x2xf32> {nn.name = "y"}, tensor<1x4x2x2xf32> {nn.name = "z"}, tensor<2x4x2x2xf32> {nn.name = "b"}) attributes {dist.device = #dist.device<0>} {
    %w = arith.constant dense<1.0> : tensor<2x2x1x1xf32>
    %w6 = arith.constant dense<0.5> : tensor<2x6x1x1xf32>
    %c0 = nn.conv %x, %w {pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64}
        : (tensor<1x2x2x2xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x2x2xf32>
    %r0 = nn.relu %c0 : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
    %c1 = nn.conv %x, %w {pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64}
        : (tensor<1x2x2x2xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x2x2xf32>
    %r1 = nn.relu %c1 : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
    %t = nn.tanh %x : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
    %cat = nn.concat %r0, %r1, %t {axis = 1 : i64}
        : (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>) -> tensor<1x6x2x2xf32>
    %y = nn.conv %cat, %w6 {pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64}
        : (tensor<1x6x2x2xf32>, tensor<2x6x1x1xf32>) -> tensor<1x2x2x2xf32>
    %s = nn.sigmoid %x : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
    %z = nn.concat %x, %s {axis = 1 : i64}
        : (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>) -> tensor<1x4x2x2xf32>
    %s2 = nn.sigmoid %x2 : (tensor<2x2x2x2xf32>) -> tensor<2x2x2x2xf32>
    %t2 = nn.tanh %x2 : (tensor<2x2x2x2xf32>) -> tensor<2x2x2x2xf32>
    %b = nn.concat %s2, %t2 {axis = 1 : i64}
        : (tensor<2x2x2x2xf32>, tensor<2x2x2x2xf32>) -> tensor<2x4x2x2xf32>
    return %y, %z, %b : tensor<1x2x2x2xf32>, tensor<1x4x2x2xf32>, tensor<2x4x2x2xf32>
  }
}
