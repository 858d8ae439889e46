// Scalar reference kernels with ONNX semantics. They are the oracle for any faster
// variant: simple loops, inner loops over contiguous memory. Each throws Error with a
// message (without the op name; the ABI layer prefixes it) on a shape mismatch.
#ifndef SEPNN_RT_KERNELS_H
#define SEPNN_RT_KERNELS_H

#include "sepnn_rt/abi.h"
#include "tensor.h"

namespace sepnn {
namespace rt {
namespace kernels {

using Ints = std::vector<int64_t>;

// axis in [-rank, rank) (or up to rank inclusive with allowRank), made non-negative;
// throws naming the shape otherwise.
int64_t normAxis(int64_t axis, int64_t rank, bool allowRank, const Shape &s);

// Checked shapes and attributes of a Conv (pads [top,left,bottom,right], strides and
// dilations with the ONNX defaults filled in); throws naming the mismatch.
struct ConvGeometry {
  int64_t N, C, H, W, M, Cg, Mg, KH, KW, OH, OW, group;
  Ints pads, strides, dil;
};
ConvGeometry convGeometry(const TensorData &x, const TensorData &w, const TensorData *b,
                          const Ints &pads, const Ints &strides, const Ints &dilations,
                          int64_t group);
// Output columns [lo, hi) whose tap reads input column ow * stride + off inside [0, W)
// (the columns between need no bounds checks); lo <= hi <= OW.
void validColumns(int64_t off, int64_t stride, int64_t W, int64_t OW, int64_t &lo,
                  int64_t &hi);
// For each kernel column kw of a window sliding over rows of W values: its input
// column offset (off[kw], for output column 0) and its valid output columns
// [lo[kw], hi[kw]) (validColumns).
struct TapColumns {
  Ints off, lo, hi;
};
TapColumns tapColumns(int64_t KW, int64_t dilation, int64_t padLeft, int64_t stride,
                      int64_t W, int64_t OW);
// x [N,C,H,W], w [M,C/group,kH,kW], b [M] or null; pads [top,left,bottom,right].
// Empty pads/strides/dilations mean the ONNX defaults (0, 1, 1).
TensorData conv(const TensorData &x, const TensorData &w, const TensorData *b,
                const Ints &pads, const Ints &strides, const Ints &dilations,
                int64_t group);
// Inference batch norm over channel dim 1.
TensorData batchNorm(const TensorData &x, const TensorData &scale,
                     const TensorData &bias, const TensorData &mean,
                     const TensorData &var, double epsilon);
// Elementwise function of one tensor (UnaryKind from abi.h; alpha/beta as there).
TensorData unary(const TensorData &x, UnaryKind kind, double alpha, double beta);
TensorData relu(const TensorData &x); // unary(Relu)
// The numpy broadcast of two shapes (right-aligned; each dim equal or 1).
Shape broadcastShapes(const Shape &a, const Shape &b);
// Element strides of `in` viewed as the broadcast shape `out` (right-aligned, 0 where
// `in` has extent 1 or lacks the dim).
Shape broadcastStrides(const Shape &in, const Shape &out);
// Elementwise function of two tensors, numpy broadcasting. PRelu: b (the slope) must
// broadcast to a's shape.
TensorData binary(const TensorData &a, const TensorData &b, BinaryKind kind);
TensorData add(const TensorData &a, const TensorData &b); // binary(Add)
// Output extent of one pooled dimension, ONNX/PyTorch rule (in ceil mode a window
// that would start in the end padding is dropped).
int64_t poolOutSize(int64_t in, int64_t k, int64_t padBegin, int64_t padEnd,
                    int64_t stride, int64_t dilation, bool ceilMode);
// MaxPool's checked attributes (defaults filled in) and extents.
struct PoolGeometry {
  int64_t N, C, H, W, KH, KW, OH, OW;
  Ints pads, strides, dil;
};
PoolGeometry maxPoolGeometry(const TensorData &x, const Ints &kernel, const Ints &pads,
                             const Ints &strides, const Ints &dilations, int64_t ceilMode);
// The same for an input of shape x (a tensor not yet computed).
PoolGeometry maxPoolGeometry(const Shape &x, const Ints &kernel, const Ints &pads,
                             const Ints &strides, const Ints &dilations, int64_t ceilMode);
TensorData maxPool(const TensorData &x, const Ints &kernel, const Ints &pads,
                   const Ints &strides, const Ints &dilations, int64_t ceilMode);
// ONNX AveragePool (2-D, no dilation), PyTorch/onnxruntime divisor rule: with
// countIncludePad the window is clipped to the padded input (cells only ceil mode adds
// never count), without it to the real input.
TensorData averagePool(const TensorData &x, const Ints &kernel, const Ints &pads,
                       const Ints &strides, int64_t ceilMode, int64_t countIncludePad);
// GlobalAveragePool's and GlobalMaxPool's output shape [N, C, 1, ...] (x checked).
Shape globalPoolShape(const TensorData &x);
TensorData globalAveragePool(const TensorData &x);
TensorData globalMaxPool(const TensorData &x);
TensorData flatten(const TensorData &x, int64_t axis);
// Gemm's M, K, N from A and B (transposed as flagged); throws if K differs.
struct GemmShape {
  int64_t M, K, N;
};
GemmShape gemmShape(const TensorData &a, const TensorData &b, int64_t transA,
                    int64_t transB);
// [M,N] holding beta * C broadcast (zeros without C); throws if C does not broadcast.
TensorData gemmInitial(const TensorData *c, double beta, int64_t M, int64_t N);
TensorData gemm(const TensorData &a, const TensorData &b, const TensorData *c,
                double alpha, double beta, int64_t transA, int64_t transB);
// numpy matmul: 1-D operands promoted (and the added dim dropped), batch dims
// broadcast.
TensorData matmul(const TensorData &a, const TensorData &b);
TensorData slice(const TensorData &x, int64_t axis, int64_t start, int64_t end);
// Throws unless `to` is a valid shape with as many elements as `from`.
void checkReshape(const Shape &from, const Shape &to);
TensorData reshape(const TensorData &x, const Shape &shape); // a copy
// Output dim i is input dim perm[i]; an empty perm reverses the dims (ONNX default).
TensorData transpose(const TensorData &x, const Ints &perm);
// start, start+step, ... before end on one axis; bounds pre-clamped as abi.h says.
TensorData sliceStep(const TensorData &x, int64_t axis, int64_t start, int64_t end,
                     int64_t step);
// Constant-mode pad: pads = [begins..., ends...], non-negative.
TensorData pad(const TensorData &x, const Ints &pads, double value);
// Softmax along one axis (negative counts from the end), max subtracted first.
TensorData softmax(const TensorData &x, int64_t axis);
// Mean over sorted, distinct, non-negative axes; empty axes reduce every dim (ONNX
// default).
TensorData reduceMean(const TensorData &x, const Ints &axes, int64_t keepdims);
// Concat's checked output shape: `outer` blocks, each part's slice (its
// shape[axis] * inner floats) after the previous part's.
struct ConcatLayout {
  Shape out;
  int64_t axis, outer, inner;
  // copy(from, to, count) for every part's slice of every outer block of `y`.
  template <class Copy>
  void forEachCopy(const std::vector<const TensorData *> &parts, float *y, Copy copy) const {
    const int64_t rowOut = out[axis] * inner;
    int64_t at = 0; // offset of the current part along the axis
    for (const TensorData *p : parts) {
      const int64_t chunk = p->shape[axis] * inner;
      for (int64_t o = 0; o < outer; ++o)
        copy(p->data() + o * chunk, y + o * rowOut + at, chunk);
      at += chunk;
    }
  }
};
ConcatLayout concatLayout(const std::vector<const TensorData *> &parts, int64_t axis);
TensorData concat(const std::vector<const TensorData *> &parts, int64_t axis);

} // namespace kernels
} // namespace rt
} // namespace sepnn

#endif
