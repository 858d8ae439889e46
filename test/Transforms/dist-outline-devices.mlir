// RUN: sepnn-opt %s --split-input-file --dist-outline-devices --verify-diagnostics | FileCheck %s


// Each device gets a function with its own ops in the original order; device
// 0 keeps the model's inputs and outputs (and their names); constants are
// copied into every device that uses them.
// CHECK-LABEL: func.func @device_0(%arg0: tensor<1x4xf32> {nn.name = "x"}) -> (tensor<1x4xf32> {nn.name = "y"})
// CHECK-SAME: attributes {dist.device = #dist.device<0>}
// CHECK-NEXT: %[[R:.*]] = nn.relu %arg0 : (tensor<1x4xf32>)
// CHECK-NEXT: dist.send %[[R]] to 1 tag 0 : tensor<1x4xf32>
// CHECK-NEXT: %[[T:.*]] = dist.recv from 1 tag 1
// CHECK-NEXT: return %[[T]]
// CHECK-LABEL: func.func @device_1()
// CHECK-SAME: attributes {dist.device = #dist.device<1>}
// CHECK-NEXT: %[[T1:.*]] = dist.recv from 0 tag 0
// CHECK-NEXT: %[[C:.*]] = arith.constant dense<1.000000e+00>
// CHECK-NEXT: %[[A:.*]] = nn.add %[[T1]], %[[C]]
// CHECK-NEXT: dist.send %[[A]] to 0 tag 1
// CHECK-NEXT: return
module attributes {dist.cluster = #dist.cluster<devices = 2>} {
  func.func @model(%x: tensor<1x4xf32> {nn.name = "x"}) -> (tensor<1x4xf32> {nn.name = "y"}) {
    %cst = arith.constant dense<1.0> : tensor<1x4xf32>
    %r = nn.relu %x {dist.device = #dist.device<0>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
    dist.send %r to 1 tag 0 {dist.device = #dist.device<0>} : tensor<1x4xf32>
    %t = dist.recv from 0 tag 0 {dist.device = #dist.device<1>} : tensor<1x4xf32>
    %a = nn.add %t, %cst {dist.device = #dist.device<1>} : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
    dist.send %a to 0 tag 1 {dist.device = #dist.device<1>} : tensor<1x4xf32>
    %u = dist.recv from 1 tag 1 {dist.device = #dist.device<0>} : tensor<1x4xf32>
    return %u : tensor<1x4xf32>
  }
}

// -----

// Every op must be placed first.
module attributes {dist.cluster = #dist.cluster<devices = 2>} {
  func.func @unplaced(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
    // expected-error @+1 {{'nn.relu' op is not placed on a device (run dist-apply-policy)}}
    %r = nn.relu %x : (tensor<1x4xf32>) -> tensor<1x4xf32>
    return %r : tensor<1x4xf32>
  }
}

// -----

// Outlining needs the cluster.
// expected-error @+1 {{dist-outline-devices needs a 'dist.cluster' module attribute}}
module {
  func.func @no_cluster(%x: tensor<1x4xf32>) {
    return
  }
}
