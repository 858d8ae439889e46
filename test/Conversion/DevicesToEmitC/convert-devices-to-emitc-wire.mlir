// RUN: sepnn-opt %s --convert-devices-to-emitc | FileCheck %s

// Compressed transfers call send_as/recv_as with the wire type and record
// the payload bytes: f16 2 per value; int8 1 per value plus 4 per channel.
// Receives also record their entry of the receive table (peer, wire type,
// tag, bytes).
// CHECK-LABEL: func.func @device_0(
// CHECK: "sepnn::rt::send_as"({{.*}}) {args = [0 : index, 1 : index, #emitc.opaque<"1">, #emitc.opaque<"0">, #emitc.opaque<"sepnn::rt::WireType::F16">], sepnn.bytes = 64 : i64}
// CHECK: "sepnn::rt::send_as"({{.*}}) {args = [0 : index, 1 : index, #emitc.opaque<"1">, #emitc.opaque<"1">, #emitc.opaque<"sepnn::rt::WireType::Int8">], sepnn.bytes = 48 : i64}
// CHECK-LABEL: func.func @device_1(
// CHECK: "sepnn::rt::recv_as"({{.*}}) {args = [0 : index, #emitc.opaque<"0">, #emitc.opaque<"0">, #emitc.opaque<"{1, 4, 2, 4}">, #emitc.opaque<"sepnn::rt::WireType::F16">], sepnn.recv = array<i64: 0, 1, 0, 64>}
// CHECK: "sepnn::rt::recv_as"({{.*}}) {args = {{.*}}#emitc.opaque<"sepnn::rt::WireType::Int8">], sepnn.recv = array<i64: 0, 2, 1, 48>}
module attributes {dist.cluster = #dist.cluster<devices = 2>} {
  func.func @device_0(%x: tensor<1x4x2x4xf32>) attributes {dist.device = #dist.device<0>} {
    dist.send %x to 1 tag 0 as "f16" : tensor<1x4x2x4xf32>
    dist.send %x to 1 tag 1 as "int8" : tensor<1x4x2x4xf32>
    return
  }
  func.func @device_1() attributes {dist.device = #dist.device<1>} {
    %a = dist.recv from 0 tag 0 as "f16" : tensor<1x4x2x4xf32>
    %b = dist.recv from 0 tag 1 as "int8" : tensor<1x4x2x4xf32>
    return
  }
}
