// Output-size rules shared by the verifiers, the importer and the partitioner,
// so that all three agree on ONNX's arithmetic.
#ifndef SEPNN_NN_SHAPERULES_H
#define SEPNN_NN_SHAPERULES_H

#include <cstdint>

namespace mlir::sepnn::nn {

/// Output extent of a sliding window (ONNX Conv / MaxPool), or -1 when the
/// window does not fit.
inline int64_t windowOutputSize(int64_t in, int64_t kernel, int64_t padBegin,
                                int64_t padEnd, int64_t stride,
                                int64_t dilation, bool ceilMode = false) {
  int64_t effective = dilation * (kernel - 1) + 1;
  int64_t span = in + padBegin + padEnd - effective;
  if (span < 0 || stride <= 0)
    return -1;
  int64_t out = (ceilMode ? (span + stride - 1) / stride : span / stride) + 1;
  // ONNX (as PyTorch): the last window must start inside the input or the
  // begin padding, never entirely in the end padding.
  if (ceilMode && (out - 1) * stride >= in + padBegin)
    --out;
  return out;
}

} // namespace mlir::sepnn::nn

#endif
