// RUN: sepnn-opt %s --sepnn-partition="devices=2" | FileCheck %s
// RUN: sepnn-opt %s --sepnn-compile="devices=2" | FileCheck %s --check-prefix=COMPILE

// The registered pipelines run the whole chain: batch norm folded, convs
// split evenly, transfers inserted, one function per device (and, for
// sepnn-compile, lowered to runtime calls).
// CHECK-LABEL: func.func @device_0
// CHECK-NOT: nn.batch_norm
// CHECK: nn.conv {{.*}} -> tensor<1x1x2x2xf32>
// CHECK: dist.recv from 1
// CHECK: nn.concat
// CHECK-LABEL: func.func @device_1
// CHECK: nn.conv {{.*}} -> tensor<1x1x2x2xf32>
// CHECK: dist.send {{.*}} to 0

// COMPILE-LABEL: func.func @device_0
// The concat of the local half and the received one is written in place.
// COMPILE: %[[R:.*]] = emitc.call_opaque "sepnn::rt::reserve"
// COMPILE-NEXT: emitc.call_opaque "sepnn::rt::place_next"(%{{.*}}, %[[R]])
// COMPILE-NEXT: emitc.call_opaque "sepnn::rt::conv"
// COMPILE-NEXT: emitc.call_opaque "sepnn::rt::place_next"(%{{.*}}, %[[R]])
// COMPILE-NEXT: emitc.call_opaque "sepnn::rt::recv"
// COMPILE-NOT: sepnn::rt::concat
// COMPILE: emitc.call_opaque "sepnn::rt::output"(%{{.*}}, %[[R]])
// COMPILE-LABEL: func.func @device_1
// COMPILE: emitc.call_opaque "sepnn::rt::send"
func.func @model(%x: tensor<1x1x2x2xf32>) -> tensor<1x2x2x2xf32> {
  %w = arith.constant dense<2.0> : tensor<2x1x1x1xf32>
  %p = arith.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %c = nn.conv %x, %w {pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, group = 1 : i64}
      : (tensor<1x1x2x2xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x2x2xf32> loc("conv")
  %n = nn.batch_norm %c, %p, %p, %p, %p {epsilon = 1.0e-05 : f32}
      : (tensor<1x2x2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  return %n : tensor<1x2x2x2xf32>
}
