// RUN: sepnn-opt %s --split-input-file | sepnn-opt --split-input-file | FileCheck %s

// Placement attributes, the cluster and a send/recv pair round-trip.
// CHECK: module attributes {dist.cluster = #dist.cluster<devices = 2, names = ["pi0", "pi1"]>}
module attributes {dist.cluster = #dist.cluster<devices = 2, names = ["pi0", "pi1"]>} {
  // CHECK-LABEL: func.func @placed
  func.func @placed(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
    // CHECK: nn.relu {{.*}}{dist.device = #dist.device<0>}
    %r = nn.relu %x {dist.device = #dist.device<0>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
    // CHECK: dist.send %{{.*}} to 1 tag 7 {dist.device = #dist.device<0>} : tensor<1x4xf32>
    dist.send %r to 1 tag 7 {dist.device = #dist.device<0>} : tensor<1x4xf32>
    // CHECK: dist.recv from 0 tag 7 {dist.device = #dist.device<1>} : tensor<1x4xf32>
    %t = dist.recv from 0 tag 7 {dist.device = #dist.device<1>} : tensor<1x4xf32>
    %y = nn.relu %t {dist.device = #dist.device<1>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
    return %r : tensor<1x4xf32>
  }
}

// -----

// After outlining, the device comes from the enclosing function.
// CHECK-LABEL: func.func @device_0
module attributes {dist.cluster = #dist.cluster<devices = 2>} {
  func.func @device_0(%x: tensor<2xf32>) attributes {dist.device = #dist.device<0>} {
    // CHECK: dist.send %{{.*}} to 1 tag 0 : tensor<2xf32>
    dist.send %x to 1 tag 0 : tensor<2xf32>
    return
  }
  func.func @device_1() attributes {dist.device = #dist.device<1>} {
    %t = dist.recv from 0 tag 0 : tensor<2xf32>
    return
  }
}

// -----

// Compressed transfers name their wire type.
// CHECK-LABEL: func.func @compressed
module attributes {dist.cluster = #dist.cluster<devices = 2>, dist.transmit_dtype = "f16"} {
  func.func @compressed(%x: tensor<1x4xf32>) {
    // CHECK: dist.send %{{.*}} to 1 tag 0 as "int8" {dist.device = #dist.device<0>} : tensor<1x4xf32>
    dist.send %x to 1 tag 0 as "int8" {dist.device = #dist.device<0>} : tensor<1x4xf32>
    // CHECK: dist.recv from 0 tag 0 as "int8" {dist.device = #dist.device<1>} : tensor<1x4xf32>
    %t = dist.recv from 0 tag 0 as "int8" {dist.device = #dist.device<1>} : tensor<1x4xf32>
    return
  }
}
