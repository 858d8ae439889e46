// RUN: rm -rf %t && sepnn-translate --emit-cpp %s -o %t
// RUN: FileCheck %s --check-prefix=P0 < %t/device_0/program.cpp
// RUN: FileCheck %s --check-prefix=P1 < %t/device_1/program.cpp
// RUN: FileCheck %s --check-prefix=MANIFEST < %t/manifest.json
// RUN: FileCheck %s --check-prefix=CMAKE < %t/CMakeLists.txt
// RUN: wc -c < %t/device_0/weights.bin | FileCheck %s --check-prefix=W0
// RUN: wc -c < %t/device_1/weights.bin | FileCheck %s --check-prefix=W1

// One directory per device: the C++ printed by upstream's emitter with the
// program info (rank, device count, model hash, receive table), only that device's weights,
// and the manifest with the bytes each link carries per inference.
// P0: #include "sepnn_rt/abi.h"
// P0: static const sepnn::rt::RecvSpec sepnn_receives[] = {
// P0-NEXT: {1, 0, 1, 16},
// P0-NEXT: {-1, 0, -1, 0}};
// P0-NEXT: extern const sepnn::rt::ProgramInfo sepnn_program_info = {6, 0, 2, "[[HASH:[0-9a-f]+]]", sepnn_receives, sizeof(sepnn_receives) / sizeof(sepnn_receives[0]) - 1};
// P0: void sepnn_program_run(sepnn::rt::Ctx* [[CTX:v[0-9]+]]) {
// P0: sepnn::rt::Tensor [[X:v[0-9]+]] = sepnn::rt::input([[CTX]], 0, {1, 4});
// P0: sepnn::rt::Tensor [[R:v[0-9]+]] = sepnn::rt::relu([[CTX]], [[X]]);
// P0: sepnn::rt::send([[CTX]], [[R]], 1, 0);
// P0: sepnn::rt::Tensor [[T:v[0-9]+]] = sepnn::rt::recv([[CTX]], 1, 1, {1, 4});
// P0: sepnn::rt::output([[CTX]], 0, [[T]]);

// P1: sepnn_receives[] = {
// P1-NEXT: {0, 0, 0, 16},
// P1-NEXT: {-1, 0, -1, 0}};
// P1: sepnn_program_info = {6, 1, 2, "{{[0-9a-f]+}}", sepnn_receives,
// P1: sepnn::rt::Tensor [[T:v[0-9]+]] = sepnn::rt::recv({{v[0-9]+}}, 0, 0, {1, 4});
// P1: sepnn::rt::Tensor [[W:v[0-9]+]] = sepnn::rt::weight({{v[0-9]+}}, 0, {1, 4});
// P1: sepnn::rt::Tensor [[A:v[0-9]+]] = sepnn::rt::add({{v[0-9]+}}, [[T]], [[W]]);
// P1: sepnn::rt::send({{v[0-9]+}}, [[A]], 0, 1);

// MANIFEST: "model_hash": "{{[0-9a-f]+}}"
// MANIFEST: "executable": "device_0/device_0"
// MANIFEST: "inputs": [
// MANIFEST: "name": "x"
// MANIFEST: "links": {
// MANIFEST-NEXT: "0->1": 16,
// MANIFEST-NEXT: "1->0": 16
// MANIFEST: "bytes_per_inference": 32

// CMAKE: add_subdirectory("{{.*}}runtime" sepnn_runtime)
// CMAKE: add_subdirectory(device_0)
// CMAKE: add_subdirectory(device_1)

// Device 0 has no weights; device 1 has one 16-byte constant padded to 64.
// W0: {{^}}0
// W1: {{^}}64
module attributes {dist.cluster = #dist.cluster<devices = 2>} {
  func.func @device_0(%x: tensor<1x4xf32> {nn.name = "x"}) -> (tensor<1x4xf32> {nn.name = "y"}) attributes {dist.device = #dist.device<0>} {
    %r = nn.relu %x : (tensor<1x4xf32>) -> tensor<1x4xf32>
    dist.send %r to 1 tag 0 : tensor<1x4xf32>
    %t = dist.recv from 1 tag 1 : tensor<1x4xf32>
    return %t : tensor<1x4xf32>
  }
  func.func @device_1() attributes {dist.device = #dist.device<1>} {
    %t = dist.recv from 0 tag 0 : tensor<1x4xf32>
    %cst = arith.constant dense<[[1.0, 2.0, 3.0, 4.0]]> : tensor<1x4xf32>
    %a = nn.add %t, %cst : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
    dist.send %a to 0 tag 1 : tensor<1x4xf32>
    return
  }
}
