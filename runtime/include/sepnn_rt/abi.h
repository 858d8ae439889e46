// sepnn runtime ABI, version 1: the interface that generated device programs call.
//
// Generated code (program.cpp, printed by mlir::emitc::translateToCpp) is a
// straight-line sequence of calls to the functions below. No exception ever
// crosses this interface: every call is noexcept; the first failure is recorded
// in the Ctx (status + message) and every later call becomes a no-op that
// returns an invalid Tensor. The runtime's main() checks the status after each
// inference and exits non-zero with the message.
#ifndef SEPNN_RT_ABI_H
#define SEPNN_RT_ABI_H

#include <cstdint>
#include <initializer_list>
#include <limits>

#define SEPNN_ABI_VERSION 6

namespace sepnn {
namespace rt {

struct Ctx;

// A handle to a tensor owned by the Ctx (f32, NCHW, dense, row-major).
// Tensors live until release() or the end of the current inference.
struct Tensor {
  int32_t id = -1;
};

using Ints = std::initializer_list<int64_t>;

// One transfer the program receives: `bytes` payload bytes from device `peer` under
// `tag`, encoded as `wire` (a WireType). The transport checks every incoming frame
// against this table before reading its payload.
struct RecvSpec {
  int32_t peer;
  int32_t wire;
  int64_t tag;
  int64_t bytes;
};

// Static description of the program, emitted once per device program.
struct ProgramInfo {
  int32_t abiVersion;   // SEPNN_ABI_VERSION the program was generated for
  int32_t rank;         // this device's index in the cluster
  int32_t numDevices;   // devices in the cluster
  const char *modelHash; // hex digest; peers with another hash are refused
  // Every receive of the program (generated code always sets `receives`, to a
  // one-element dummy when numReceives is 0); nullptr: frames are checked against the
  // protocol's limits only (hand-written test programs).
  const RecvSpec *receives;
  int32_t numReceives;
};

// --- graph boundary -------------------------------------------------------
// The index-th model input (read from the --input files, in order).
Tensor input(Ctx *ctx, int64_t index, Ints shape) noexcept;
// Record the index-th model output (written to the --output files).
void output(Ctx *ctx, int64_t index, Tensor t) noexcept;
// A constant stored in weights.bin at byteOffset (f32 values, shape given).
Tensor weight(Ctx *ctx, int64_t byteOffset, Ints shape) noexcept;
// ABI 3: frees t's values after their last use (the compiler emits it), so that a
// device holds only the live activations; using t afterwards is an error.
void release(Ctx *ctx, Tensor t) noexcept;

// --- kernels (ONNX semantics) ---------------------------------------------
// x: [N,C,H,W]; w: [M,C/group,kH,kW]; b: [M] or invalid Tensor{} for none.
// pads: [top, left, bottom, right] (ONNX order: begins then ends).
Tensor conv(Ctx *ctx, Tensor x, Tensor w, Tensor b, Ints pads, Ints strides,
            Ints dilations, int64_t group) noexcept;
// ABI 3: relu(conv(...)) in one pass (the compiler fuses a conv whose only user is a
// relu).
Tensor conv_relu(Ctx *ctx, Tensor x, Tensor w, Tensor b, Ints pads, Ints strides,
                 Ints dilations, int64_t group) noexcept;
// ABI 3: clip(conv(...), min, max) in one pass (ReLU6 after a conv).
Tensor conv_clip(Ctx *ctx, Tensor x, Tensor w, Tensor b, Ints pads, Ints strides,
                 Ints dilations, int64_t group, double min, double max) noexcept;
// ABI 4: conv(...) + r, and relu(conv(...) + r), in one pass (a residual connection:
// the compiler fuses a conv whose only user is an add of a tensor of the same shape,
// and that add's only user when it is a relu). r: the conv output's shape.
Tensor conv_add(Ctx *ctx, Tensor x, Tensor w, Tensor b, Tensor r, Ints pads, Ints strides,
                Ints dilations, int64_t group) noexcept;
Tensor conv_add_relu(Ctx *ctx, Tensor x, Tensor w, Tensor b, Tensor r, Ints pads,
                     Ints strides, Ints dilations, int64_t group) noexcept;
// ABI 6: max_pool(conv(...)), or with relu = 1 max_pool(relu(conv(...))), in one
// call (the compiler fuses a max pool whose input is a conv's, or its fused relu's,
// value and has no other user): a stem's output is pooled while it is in cache.
Tensor conv_max_pool(Ctx *ctx, Tensor x, Tensor w, Tensor b, Ints pads, Ints strides,
                     Ints dilations, int64_t group, int64_t relu, Ints kernel,
                     Ints poolPads, Ints poolStrides, Ints poolDilations,
                     int64_t ceilMode) noexcept;
Tensor batch_norm(Ctx *ctx, Tensor x, Tensor scale, Tensor bias, Tensor mean,
                  Tensor var, double epsilon) noexcept;
Tensor relu(Ctx *ctx, Tensor x) noexcept;
// Elementwise add with numpy broadcasting.
Tensor add(Ctx *ctx, Tensor a, Tensor b) noexcept;
Tensor max_pool(Ctx *ctx, Tensor x, Ints kernel, Ints pads, Ints strides,
                Ints dilations, int64_t ceilMode) noexcept;
Tensor global_average_pool(Ctx *ctx, Tensor x) noexcept;
Tensor flatten(Ctx *ctx, Tensor x, int64_t axis) noexcept;
// Y = alpha * op(A) * op(B) + beta * C; c may be invalid (no bias).
Tensor gemm(Ctx *ctx, Tensor a, Tensor b, Tensor c, double alpha, double beta,
            int64_t transA, int64_t transB) noexcept;
// Elements [start, end) of dimension axis.
Tensor slice(Ctx *ctx, Tensor x, int64_t axis, int64_t start,
             int64_t end) noexcept;
Tensor concat_n(Ctx *ctx, int64_t axis, const Tensor *parts,
                int64_t count) noexcept;
// ABI 5: a concatenation without copies. reserve() creates the concatenated tensor
// (values unset); place_next(dest, axis, start) makes the next tensor any call creates
// the slice of dest from `start` along `axis` (dest's dims before axis must be 1: the
// slice is contiguous), a view that the convolutions write in place (other kernels'
// results are copied there). The compiler places every part of a concat this way,
// and the output of a conv_add(_relu) over its residual (dest: the residual's owner,
// axis 0, start 0) where the call is the residual's last use: the kernels then add
// into the residual where it lies.
Tensor reserve(Ctx *ctx, Ints shape) noexcept;
void place_next(Ctx *ctx, Tensor dest, int64_t axis, int64_t start) noexcept;
template <class... Ts>
Tensor concat(Ctx *ctx, int64_t axis, Ts... parts) noexcept {
  const Tensor all[] = {parts...};
  return concat_n(ctx, axis, all, sizeof...(Ts));
}

// --- ABI 1 additions for the ONNX op set (issue 3) -------------------------
// Elementwise functions of one tensor; alpha/beta are the ONNX attributes of
// the kinds that have them (ignored otherwise).
enum class UnaryKind : int32_t {
  Relu = 0,
  LeakyRelu = 1,   // x >= 0 ? x : alpha * x
  Clip = 2,        // min(max(x, alpha), beta)
  Sigmoid = 3,
  HardSigmoid = 4, // max(0, min(1, alpha * x + beta))
  HardSwish = 5,   // x * max(0, min(1, x / 6 + 1 / 2))
  Tanh = 6,
  Neg = 7,
  Exp = 8,
  Sqrt = 9,
};
Tensor unary(Ctx *ctx, Tensor x, UnaryKind kind, double alpha,
             double beta) noexcept;

// Elementwise functions of two tensors with numpy broadcasting.
enum class BinaryKind : int32_t {
  Add = 0,
  Sub = 1,
  Mul = 2,
  Div = 3,
  PRelu = 4, // a >= 0 ? a : b * a (b is the slope, broadcast to a)
};
Tensor binary(Ctx *ctx, Tensor a, Tensor b, BinaryKind kind) noexcept;

// ONNX AveragePool (2-D): count_include_pad counts padded cells in the
// divisor; with ceil_mode, cells past the padded input never count.
Tensor average_pool(Ctx *ctx, Tensor x, Ints kernel, Ints pads, Ints strides,
                    int64_t ceilMode, int64_t countIncludePad) noexcept;
Tensor global_max_pool(Ctx *ctx, Tensor x) noexcept;
// numpy matmul: 1-D operands are promoted and the added dimension removed;
// leading (batch) dimensions broadcast.
Tensor matmul(Ctx *ctx, Tensor a, Tensor b) noexcept;
// Same elements, new shape (product must match): Reshape, Squeeze, Unsqueeze.
Tensor reshape(Ctx *ctx, Tensor x, Ints shape) noexcept;
// ONNX Transpose: output dim i is input dim perm[i].
Tensor transpose(Ctx *ctx, Tensor x, Ints perm) noexcept;
// Elements start, start + step, ... of dimension axis, stopping before end;
// start/end already clamped (0 <= start < dim; for step > 0, start < end <=
// dim; for step < 0, -1 <= end < start). step != 0.
Tensor slice_step(Ctx *ctx, Tensor x, int64_t axis, int64_t start, int64_t end,
                  int64_t step) noexcept;
// ONNX Softmax (opset 13): along one axis.
Tensor softmax(Ctx *ctx, Tensor x, int64_t axis) noexcept;
// ONNX Pad, constant mode: pads = [begin_0..begin_{r-1}, end_0..end_{r-1}],
// non-negative.
Tensor pad(Ctx *ctx, Tensor x, Ints pads, double value) noexcept;
// ONNX ReduceMean over `axes` (non-negative, sorted); keepdims 0 or 1.
Tensor reduce_mean(Ctx *ctx, Tensor x, Ints axes, int64_t keepdims) noexcept;

// --- transfers --------------------------------------------------------------
// Send t to device `peer` under `tag` (tags are unique per model).
void send(Ctx *ctx, Tensor t, int64_t peer, int64_t tag) noexcept;
// Receive the tensor that `peer` sent under `tag`; its shape must be `shape`.
Tensor recv(Ctx *ctx, int64_t peer, int64_t tag, Ints shape) noexcept;

// Compressed transfers: the payload travels as `wire` and is f32 again on
// arrival. F16: IEEE binary16, round to nearest even (payload numel * 2).
// Int8: per channel (dim 1; dim 0 for rank-1 tensors) scale = max|x| / 127
// (1 when the channel is all zeros), q = round(x / scale) clamped to
// [-127, 127]; payload = the C f32 scales, then the numel int8 values
// (numel + 4 * C bytes). Byte counters count the payload.
enum class WireType : int32_t { F32 = 0, F16 = 1, Int8 = 2 };
void send_as(Ctx *ctx, Tensor t, int64_t peer, int64_t tag,
             WireType wire) noexcept;
Tensor recv_as(Ctx *ctx, int64_t peer, int64_t tag, Ints shape,
               WireType wire) noexcept;

} // namespace rt
} // namespace sepnn

// Every generated program.cpp defines these two symbols; the runtime's main()
// (library sepnn_rt_main) calls them.
extern const sepnn::rt::ProgramInfo sepnn_program_info;
void sepnn_program_run(sepnn::rt::Ctx *ctx);

#endif // SEPNN_RT_ABI_H
