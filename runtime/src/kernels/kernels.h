// Scalar reference kernels with ONNX semantics. They are the oracle for any faster
// variant: simple loops, inner loops over contiguous memory. Each throws Error with a
// message (without the op name; the ABI layer prefixes it) on a shape mismatch.
#ifndef SEPNN_RT_KERNELS_H
#define SEPNN_RT_KERNELS_H

#include "tensor.h"

namespace sepnn {
namespace rt {
namespace kernels {

using Ints = std::vector<int64_t>;

// x [N,C,H,W], w [M,C/group,kH,kW], b [M] or null; pads [top,left,bottom,right].
// Empty pads/strides/dilations mean the ONNX defaults (0, 1, 1).
TensorData conv(const TensorData &x, const TensorData &w, const TensorData *b,
                const Ints &pads, const Ints &strides, const Ints &dilations,
                int64_t group);
// Inference batch norm over channel dim 1.
TensorData batchNorm(const TensorData &x, const TensorData &scale,
                     const TensorData &bias, const TensorData &mean,
                     const TensorData &var, double epsilon);
TensorData relu(const TensorData &x);
// Numpy broadcasting.
TensorData add(const TensorData &a, const TensorData &b);
// Output extent of one pooled dimension, ONNX/PyTorch rule (in ceil mode a window
// that would start in the end padding is dropped).
int64_t poolOutSize(int64_t in, int64_t k, int64_t padBegin, int64_t padEnd,
                    int64_t stride, int64_t dilation, bool ceilMode);
TensorData maxPool(const TensorData &x, const Ints &kernel, const Ints &pads,
                   const Ints &strides, const Ints &dilations, int64_t ceilMode);
TensorData globalAveragePool(const TensorData &x);
TensorData flatten(const TensorData &x, int64_t axis);
TensorData gemm(const TensorData &a, const TensorData &b, const TensorData *c,
                double alpha, double beta, int64_t transA, int64_t transB);
TensorData slice(const TensorData &x, int64_t axis, int64_t start, int64_t end);
TensorData concat(const std::vector<const TensorData *> &parts, int64_t axis);

} // namespace kernels
} // namespace rt
} // namespace sepnn

#endif
