// ONNX TensorProto (.pb) files, read and written with a hand-written protobuf
// wire-format codec so that the runtime needs no libprotobuf (it cross-compiles with
// nothing but libc and pthreads). Only f32 tensors are accepted.
#ifndef SEPNN_RT_IO_TENSOR_PB_H
#define SEPNN_RT_IO_TENSOR_PB_H

#include "tensor.h"

#include <string>

namespace sepnn {
namespace rt {

struct PbTensor {
  std::string name;
  Shape dims;
  std::vector<float> data;
};

// `what` names the source in error messages (normally the file path).
PbTensor parseTensorProto(const std::string &bytes, const std::string &what);
std::string serializeTensorProto(const Shape &dims, const float *data,
                                 const std::string &name);

PbTensor readTensorFile(const std::string &path);
void writeTensorFile(const std::string &path, const Shape &dims, const float *data,
                     const std::string &name);

} // namespace rt
} // namespace sepnn

#endif
