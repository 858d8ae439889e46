// RUN: sepnn-opt %s --convert-devices-to-emitc | FileCheck %s

// Elementwise ops share the `unary` and `binary` entry points with a kind
// from abi.h; infinite bounds are spelled with numeric_limits; a strided
// slice calls slice_step.
// CHECK-LABEL: func.func @device_0(
// CHECK: "sepnn::rt::unary"({{.*}}) {args = [0 : index, 1 : index, #emitc.opaque<"sepnn::rt::UnaryKind::Sigmoid">, #emitc.opaque<"0">, #emitc.opaque<"0">]}
// CHECK: "sepnn::rt::unary"({{.*}}) {args = [0 : index, 1 : index, #emitc.opaque<"sepnn::rt::UnaryKind::Clip">, #emitc.opaque<"-std::numeric_limits<double>::infinity()">, #emitc.opaque<"6">]}
// CHECK: "sepnn::rt::binary"({{.*}}) {args = [0 : index, 1 : index, 2 : index, #emitc.opaque<"sepnn::rt::BinaryKind::Mul">]}
// CHECK: "sepnn::rt::slice_step"({{.*}}) {args = [0 : index, 1 : index, #emitc.opaque<"1">, #emitc.opaque<"3">, #emitc.opaque<"-1">, #emitc.opaque<"-2">]}
// CHECK: "sepnn::rt::transpose"({{.*}}) {args = [0 : index, 1 : index, #emitc.opaque<"{1, 0}">]}
// CHECK: "sepnn::rt::reshape"({{.*}}) {args = [0 : index, 1 : index, #emitc.opaque<"{4}">]}
// CHECK: "sepnn::rt::softmax"({{.*}}) {args = [0 : index, 1 : index, #emitc.opaque<"0">]}
module attributes {dist.cluster = #dist.cluster<devices = 1>} {
  func.func @device_0(%x: tensor<1x4xf32>) -> tensor<4xf32> attributes {dist.device = #dist.device<0>} {
    %s = nn.sigmoid %x : (tensor<1x4xf32>) -> tensor<1x4xf32>
    %c = nn.clip %s {min = 0xFF800000 : f32, max = 6.0 : f32} : (tensor<1x4xf32>) -> tensor<1x4xf32>
    %m = nn.mul %c, %x : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
    %k = nn.slice %m {axis = 1 : i64, start = 3 : i64, end = -1 : i64, step = -2 : i64} : (tensor<1x4xf32>) -> tensor<1x2xf32>
    %j = nn.concat %k, %k {axis = 1 : i64} : (tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<1x4xf32>
    %t = nn.transpose %j {perm = array<i64: 1, 0>} : (tensor<1x4xf32>) -> tensor<4x1xf32>
    %r = nn.reshape %t : (tensor<4x1xf32>) -> tensor<4xf32>
    %y = nn.softmax %r {axis = 0 : i64} : (tensor<4xf32>) -> tensor<4xf32>
    return %y : tensor<4xf32>
  }
}
