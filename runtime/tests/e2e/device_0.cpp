// Hand-written stand-in for a generated program.cpp (device 0 of 2): conv+relu, keeps
// channels 0..1, sends them to device 1, gets device 1's result back, concatenates.
#include "sepnn_rt/abi.h"

static const sepnn::rt::RecvSpec receives[] = {{1, 0, 1, 128}};
extern const sepnn::rt::ProgramInfo sepnn_program_info = {SEPNN_ABI_VERSION, 0, 2,
                                                          "e2e-test-hash", receives, 1};
void sepnn_program_run(sepnn::rt::Ctx *v1) {
  sepnn::rt::Tensor v2 = sepnn::rt::input(v1, 0, {1, 2, 4, 4});
  sepnn::rt::Tensor v3 = sepnn::rt::weight(v1, 0, {4, 2, 3, 3});
  sepnn::rt::Tensor v4 = sepnn::rt::weight(v1, 288, {4});
  sepnn::rt::Tensor v5 = sepnn::rt::conv(v1, v2, v3, v4, {1, 1, 1, 1}, {1, 1}, {1, 1}, 1);
  sepnn::rt::Tensor v6 = sepnn::rt::relu(v1, v5);
  sepnn::rt::Tensor v7 = sepnn::rt::slice(v1, v6, 1, 0, 2);
  sepnn::rt::send(v1, v7, 1, 0);
  sepnn::rt::Tensor v8 = sepnn::rt::recv(v1, 1, 1, {1, 2, 4, 4});
  sepnn::rt::Tensor v9 = sepnn::rt::concat(v1, 1, v7, v8);
  sepnn::rt::output(v1, 0, v9);
}
