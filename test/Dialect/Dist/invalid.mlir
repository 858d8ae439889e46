// RUN: sepnn-opt %s --split-input-file --verify-diagnostics

// Every send has a matching recv.
module attributes {dist.cluster = #dist.cluster<devices = 2>} {
  func.func @lonely(%x: tensor<2xf32>) {
    // expected-error @+1 {{has no matching dist.recv with tag 3}}
    dist.send %x to 1 tag 3 {dist.device = #dist.device<0>} : tensor<2xf32>
    return
  }
}

// -----

// Every recv has a matching send.
module attributes {dist.cluster = #dist.cluster<devices = 2>} {
  func.func @orphan() {
    // expected-error @+1 {{has no matching dist.send with tag 4}}
    %t = dist.recv from 0 tag 4 {dist.device = #dist.device<1>} : tensor<2xf32>
    return
  }
}

// -----

// The received type is the sent type.
module attributes {dist.cluster = #dist.cluster<devices = 2>} {
  func.func @mismatch(%x: tensor<2xf32>) {
    dist.send %x to 1 tag 0 {dist.device = #dist.device<0>} : tensor<2xf32>
    // expected-error @+1 {{type 'tensor<3xf32>' differs from the sent type 'tensor<2xf32>' (tag 0)}}
    %t = dist.recv from 0 tag 0 {dist.device = #dist.device<1>} : tensor<3xf32>
    return
  }
}

// -----

// A tag is sent once.
module attributes {dist.cluster = #dist.cluster<devices = 2>} {
  func.func @twice(%x: tensor<2xf32>) {
    dist.send %x to 1 tag 0 {dist.device = #dist.device<0>} : tensor<2xf32>
    // expected-error @+1 {{tag 0 is sent twice}}
    dist.send %x to 1 tag 0 {dist.device = #dist.device<0>} : tensor<2xf32>
    %t = dist.recv from 0 tag 0 {dist.device = #dist.device<1>} : tensor<2xf32>
    return
  }
}

// -----

// A tag is received once.
module attributes {dist.cluster = #dist.cluster<devices = 2>} {
  func.func @twice(%x: tensor<2xf32>) {
    dist.send %x to 1 tag 0 {dist.device = #dist.device<0>} : tensor<2xf32>
    %t = dist.recv from 0 tag 0 {dist.device = #dist.device<1>} : tensor<2xf32>
    // expected-error @+1 {{tag 0 is received twice}}
    %u = dist.recv from 0 tag 0 {dist.device = #dist.device<1>} : tensor<2xf32>
    return
  }
}

// -----

// The send's destination is the device that receives.
module attributes {dist.cluster = #dist.cluster<devices = 3>} {
  func.func @wrong_destination(%x: tensor<2xf32>) {
    // expected-error @+1 {{sends tag 0 to device 1 but it is received on device 2}}
    dist.send %x to 1 tag 0 {dist.device = #dist.device<0>} : tensor<2xf32>
    %t = dist.recv from 0 tag 0 {dist.device = #dist.device<2>} : tensor<2xf32>
    return
  }
}

// -----

// The recv's source is the device that sends.
module attributes {dist.cluster = #dist.cluster<devices = 3>} {
  func.func @wrong_source(%x: tensor<2xf32>) {
    dist.send %x to 1 tag 0 {dist.device = #dist.device<2>} : tensor<2xf32>
    // expected-error @+1 {{expects tag 0 from device 0 but it is sent by device 2}}
    %t = dist.recv from 0 tag 0 {dist.device = #dist.device<1>} : tensor<2xf32>
    return
  }
}

// -----

// Peers are devices of the cluster.
module attributes {dist.cluster = #dist.cluster<devices = 2>} {
  func.func @outside(%x: tensor<2xf32>) {
    // expected-error @+1 {{'to' device 5 is not in the cluster}}
    dist.send %x to 5 tag 0 {dist.device = #dist.device<0>} : tensor<2xf32>
    return
  }
}

// -----

// A device does not send to itself.
module attributes {dist.cluster = #dist.cluster<devices = 2>} {
  func.func @self(%x: tensor<2xf32>) {
    // expected-error @+1 {{'from' device 1 is the device that runs this op}}
    %t = dist.recv from 1 tag 0 {dist.device = #dist.device<1>} : tensor<2xf32>
    return
  }
}

// -----

// Ops are placed on devices of the cluster.
module attributes {dist.cluster = #dist.cluster<devices = 2>} {
  func.func @placed_outside(%x: tensor<2xf32>) {
    // expected-error @+1 {{is placed on device 2 but the cluster has 2 devices}}
    %r = nn.relu %x {dist.device = #dist.device<2>} : (tensor<2xf32>) -> tensor<2xf32>
    return
  }
}

// -----

// dist.device holds a #dist.device.
func.func @bad_device(%x: tensor<2xf32>) {
  // expected-error @+1 {{'dist.device' must be a #dist.device attribute}}
  %r = nn.relu %x {dist.device = 1 : i64} : (tensor<2xf32>) -> tensor<2xf32>
  return
}

// -----

// The cluster belongs on the module.
func.func @cluster_on_func() attributes {dist.cluster = #dist.cluster<devices = 2>} {
  // expected-error @-1 {{'dist.cluster' belongs on a module}}
  return
}

// -----

// dist.cluster holds a #dist.cluster.
// expected-error @+1 {{'dist.cluster' must be a #dist.cluster attribute}}
module attributes {dist.cluster = 2 : i64} {
}

// -----

// A cluster has at least one device.
// expected-error @+1 {{cluster needs at least one device, got 0}}
module attributes {dist.cluster = #dist.cluster<devices = 0>} {
}

// -----

// Names, when given, name every device.
// expected-error @+1 {{cluster has 2 devices but 1 names}}
module attributes {dist.cluster = #dist.cluster<devices = 2, names = ["pi0"]>} {
}

// -----

// Device ids are non-negative.
func.func @negative(%x: tensor<2xf32>) {
  // expected-error @+1 {{device id must be non-negative, got -1}}
  %r = nn.relu %x {dist.device = #dist.device<-1>} : (tensor<2xf32>) -> tensor<2xf32>
  return
}

// -----

// Only known dist attributes are accepted.
func.func @unknown(%x: tensor<2xf32>) {
  // expected-error @+1 {{unknown dist attribute 'dist.color'}}
  %r = nn.relu %x {dist.color = 1 : i64} : (tensor<2xf32>) -> tensor<2xf32>
  return
}

// -----

// The wire types are f16 and int8 (f32 is the default, written as nothing).
module attributes {dist.cluster = #dist.cluster<devices = 2>} {
  func.func @bad_wire(%x: tensor<2xf32>) {
    // expected-error @+1 {{wire type 'bf16' is not f16 or int8 (f32 is the default)}}
    dist.send %x to 1 tag 0 as "bf16" {dist.device = #dist.device<0>} : tensor<2xf32>
    return
  }
}

// -----

// Both ends of a transfer agree on the wire type.
module attributes {dist.cluster = #dist.cluster<devices = 2>} {
  func.func @wire_mismatch(%x: tensor<2xf32>) {
    dist.send %x to 1 tag 0 as "f16" {dist.device = #dist.device<0>} : tensor<2xf32>
    // expected-error @+1 {{wire type differs from the send's (tag 0)}}
    %t = dist.recv from 0 tag 0 as "int8" {dist.device = #dist.device<1>} : tensor<2xf32>
    return
  }
}

// -----

// dist.transmit_dtype names a wire type.
func.func @bad_transmit(%x: tensor<2xf32>) {
  // expected-error @+1 {{'dist.transmit_dtype' must be "f32", "f16" or "int8"}}
  %r = nn.relu %x {dist.transmit_dtype = "f64"} : (tensor<2xf32>) -> tensor<2xf32>
  return
}
