// RUN: sepnn-opt %s --split-input-file --dist-verify-schedule --verify-diagnostics | FileCheck %s

// Each device sends before it receives: with non-blocking sends this always
// completes, so the module passes unchanged.
// CHECK-LABEL: func.func @device_0
module attributes {dist.cluster = #dist.cluster<devices = 2>} {
  func.func @device_0(%x: tensor<2xf32>) -> tensor<2xf32> attributes {dist.device = #dist.device<0>} {
    dist.send %x to 1 tag 0 : tensor<2xf32>
    %t = dist.recv from 1 tag 1 : tensor<2xf32>
    return %t : tensor<2xf32>
  }
  func.func @device_1() attributes {dist.device = #dist.device<1>} {
    %c = arith.constant dense<1.0> : tensor<2xf32>
    dist.send %c to 0 tag 1 : tensor<2xf32>
    %t = dist.recv from 0 tag 0 : tensor<2xf32>
    return
  }
}

// -----

// A cyclic wait: each device receives before it sends what the other needs.
// expected-error @+1 {{the device programs can deadlock: device 0 waits for tag 1 from device 1; device 1 waits for tag 0 from device 0}}
module attributes {dist.cluster = #dist.cluster<devices = 2>} {
  func.func @device_0(%x: tensor<2xf32>) attributes {dist.device = #dist.device<0>} {
    // expected-note @+1 {{device 0 blocks here}}
    %t = dist.recv from 1 tag 1 : tensor<2xf32>
    dist.send %t to 1 tag 0 : tensor<2xf32>
    return
  }
  func.func @device_1() attributes {dist.device = #dist.device<1>} {
    // expected-note @+1 {{device 1 blocks here}}
    %t = dist.recv from 0 tag 0 : tensor<2xf32>
    dist.send %t to 0 tag 1 : tensor<2xf32>
    return
  }
}

// -----

// A three-device cycle through a device that is not itself stuck first.
// expected-error @+1 {{device 0 waits for tag 2 from device 2; device 1 waits for tag 0 from device 0; device 2 waits for tag 1 from device 1}}
module attributes {dist.cluster = #dist.cluster<devices = 3>} {
  func.func @device_0(%x: tensor<2xf32>) attributes {dist.device = #dist.device<0>} {
    // expected-note @+1 {{device 0 blocks here}}
    %t = dist.recv from 2 tag 2 : tensor<2xf32>
    dist.send %t to 1 tag 0 : tensor<2xf32>
    return
  }
  func.func @device_1() attributes {dist.device = #dist.device<1>} {
    // expected-note @+1 {{device 1 blocks here}}
    %t = dist.recv from 0 tag 0 : tensor<2xf32>
    dist.send %t to 2 tag 1 : tensor<2xf32>
    return
  }
  func.func @device_2() attributes {dist.device = #dist.device<2>} {
    // expected-note @+1 {{device 2 blocks here}}
    %t = dist.recv from 1 tag 1 : tensor<2xf32>
    dist.send %t to 0 tag 2 : tensor<2xf32>
    return
  }
}
