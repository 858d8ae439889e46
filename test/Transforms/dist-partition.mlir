// RUN: sepnn-opt %s --split-input-file --dist-partition | FileCheck %s

// A value used on another device is sent once, right after its producer,
// and received once per consuming device, right before its first use there.
// Constants are never sent: every device materializes its own.
// CHECK-LABEL: func.func @cross
// CHECK: %[[R:.*]] = nn.relu %arg0 {dist.device = #dist.device<0>}
// CHECK-NEXT: dist.send %[[R]] to 1 tag 0 {dist.device = #dist.device<0>} : tensor<1x4xf32>
// CHECK-NEXT: dist.send %[[R]] to 2 tag 1 {dist.device = #dist.device<0>} : tensor<1x4xf32>
// CHECK: %[[T1:.*]] = dist.recv from 0 tag 0 {dist.device = #dist.device<1>} : tensor<1x4xf32>
// CHECK-NEXT: nn.add %[[T1]], %cst {dist.device = #dist.device<1>}
// CHECK-NEXT: nn.relu %[[T1]] {dist.device = #dist.device<1>}
// CHECK: %[[T2:.*]] = dist.recv from 0 tag 1 {dist.device = #dist.device<2>}
// CHECK-NEXT: nn.relu %[[T2]] {dist.device = #dist.device<2>}
// CHECK-NOT: dist.send
module attributes {dist.cluster = #dist.cluster<devices = 3>} {
  func.func @cross(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
    %r = nn.relu %x {dist.device = #dist.device<0>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
    %cst = arith.constant dense<1.0> : tensor<1x4xf32>
    %a = nn.add %r, %cst {dist.device = #dist.device<1>} : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
    %b = nn.relu %r {dist.device = #dist.device<1>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
    %c = nn.relu %r {dist.device = #dist.device<2>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
    return %r : tensor<1x4xf32>
  }
}

// -----

// Model inputs live on device 0: another device that reads one receives it.
// CHECK-LABEL: func.func @input_elsewhere
// CHECK-NEXT: dist.send %arg0 to 1 tag 0 {dist.device = #dist.device<0>}
// CHECK-NEXT: %[[T:.*]] = dist.recv from 0 tag 0 {dist.device = #dist.device<1>}
// CHECK-NEXT: nn.relu %[[T]]
module attributes {dist.cluster = #dist.cluster<devices = 2>} {
  func.func @input_elsewhere(%x: tensor<1x4xf32>) {
    %r = nn.relu %x {dist.device = #dist.device<1>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
    return
  }
}

// -----

// Ops on one device need no transfers.
// CHECK-LABEL: func.func @local
// CHECK-NOT: dist.send
// CHECK-NOT: dist.recv
module attributes {dist.cluster = #dist.cluster<devices = 2>} {
  func.func @local(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
    %r = nn.relu %x {dist.device = #dist.device<0>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
    return %r : tensor<1x4xf32>
  }
}

// -----

// A transfer travels as its producer says (dist.transmit_dtype), else as the
// module says; f32 is written as nothing.
// CHECK-LABEL: func.func @wire_types
// CHECK: dist.send %{{.*}} to 1 tag 0 as "int8"
// CHECK: dist.send %{{.*}} to 1 tag 1 as "f16"
// CHECK: dist.recv from 0 tag 0 as "int8"
// CHECK: dist.recv from 0 tag 1 as "f16"
module attributes {dist.cluster = #dist.cluster<devices = 2>, dist.transmit_dtype = "f16"} {
  func.func @wire_types(%x: tensor<1x4xf32>) {
    %a = nn.relu %x {dist.device = #dist.device<0>, dist.transmit_dtype = "int8"} : (tensor<1x4xf32>) -> tensor<1x4xf32>
    %b = nn.relu %x {dist.device = #dist.device<0>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
    %c = nn.add %a, %b {dist.device = #dist.device<1>} : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
    return
  }
}
