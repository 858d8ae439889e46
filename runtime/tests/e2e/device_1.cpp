// Device 1 of the e2e pair: 1x1 conv (no bias) on what device 0 sends, sent back.
#include "sepnn_rt/abi.h"

static const sepnn::rt::RecvSpec receives[] = {{0, 0, 0, 128}};
extern const sepnn::rt::ProgramInfo sepnn_program_info = {SEPNN_ABI_VERSION, 1, 2,
                                                          "e2e-test-hash", receives, 1};
void sepnn_program_run(sepnn::rt::Ctx *v1) {
  sepnn::rt::Tensor v2 = sepnn::rt::recv(v1, 0, 0, {1, 2, 4, 4});
  sepnn::rt::Tensor v3 = sepnn::rt::weight(v1, 304, {2, 2, 1, 1});
  sepnn::rt::Tensor v4 = sepnn::rt::conv(v1, v2, v3, sepnn::rt::Tensor{}, {0, 0, 0, 0},
                                         {1, 1}, {1, 1}, 1);
  sepnn::rt::send(v1, v4, 0, 1);
}
