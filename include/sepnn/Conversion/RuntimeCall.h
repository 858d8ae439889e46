// A call into the runtime ABI (runtime/include/sepnn_rt/abi.h), described
// independently of the op it lowers: the callee, its operands and its
// literal arguments, in order. Built by the NN and Dist lowerings, turned
// into one emitc.call_opaque by the conversion pass.
#ifndef SEPNN_CONVERSION_RUNTIMECALL_H
#define SEPNN_CONVERSION_RUNTIMECALL_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"

#include <optional>
#include "mlir/IR/Operation.h"

#include <string>

namespace mlir::sepnn {

class RuntimeCall {
public:
  /// `callee` is the unqualified ABI function name; the context is always
  /// the first argument.
  RuntimeCall(MLIRContext *ctx, Value runtimeCtx, StringRef callee);

  RuntimeCall &tensor(Value v);
  /// An absent optional tensor (`sepnn::rt::Tensor{}`).
  RuntimeCall &noTensor();
  RuntimeCall &integer(int64_t v);
  RuntimeCall &real(double v);
  /// A braced list, e.g. `{1, 1, 1, 1}`.
  RuntimeCall &integers(ArrayRef<int64_t> v);
  /// C++ text passed as is (an enumerator of abi.h).
  RuntimeCall &literal(StringRef text);

  /// Emits the call; `producesTensor` gives it one sepnn::rt::Tensor result.
  Operation *build(OpBuilder &builder, Location loc, bool producesTensor);

  static Type tensorType(MLIRContext *ctx);
  static Type contextType(MLIRContext *ctx);

private:
  MLIRContext *ctx;
  std::string callee;
  SmallVector<Value> operands;
  SmallVector<Attribute> args;
};

/// Describes `op` (an nn op whose operands are already lowered to `operands`)
/// as a runtime call, or fails for an op the runtime lacks.
FailureOr<RuntimeCall> describeNNOp(Operation *op, Value runtimeCtx,
                                    ArrayRef<Value> operands);

/// The activation fused into `op`, an nn.conv whose only user is an nn.relu or an
/// nn.clip with finite bounds (ReLU6): describeNNOp lowers the conv to one `conv_relu`
/// or `conv_clip` call, and the activation to nothing (it reuses the conv's handle).
/// Null for any other op.
Operation *fusedActivation(Operation *op);
/// Residual connections. The conv fused into `op`, an nn.add of two tensors of its
/// type: the first operand that is an nn.conv used only by this add, the other
/// operand (residualOf) another value. describeNNOp lowers that conv, given the
/// residual as one more operand, to one `conv_add` call, or `conv_add_relu` when
/// the add's only user is an nn.relu (fusedResidualActivation); the call goes where
/// the add is, since the residual may be computed after the conv, and the conv and
/// the relu lower to nothing. Null for any other op.
Operation *fusedResidualConv(Operation *op);
/// The add into which `op`, an nn.conv, is so fused, or null.
Operation *fusedResidualAdd(Operation *op);
/// The operand of such an add that is not the fused conv.
Value residualOf(Operation *add);
/// The relu fused after such an add, or null.
Operation *fusedResidualActivation(Operation *add);
/// The max pool fused into `op`, an nn.conv without a fused residual, whose value
/// (or that of its fused relu) is used only by an nn.max_pool: describeNNOp lowers
/// the conv to one `conv_max_pool` call (ABI 6) computing the pool's value, and the
/// relu and the pool to nothing. Null for any other op.
Operation *fusedPool(Operation *op);
/// Whether `op`'s value is computed by its producer's call: an activation fused
/// into a conv, a relu fused after a residual add, or a max pool fused into a conv.
bool isComputedByProducer(Operation *op);

/// The value that `op`'s runtime call computes: its result, or the activation fused
/// into it (isComputedByProducer, followed to the end).
Value valueOfCall(Operation *op);
/// Concatenations written in place (ABI 5): an nn.concat whose dims before its axis
/// are 1 and whose parts are distinct values, each the value of a call (valueOfCall)
/// used only by the concat. The concatenated tensor is reserved before the first
/// part's call, each part's call is placed into its slice (place_next), and the
/// concat lowers to nothing.
bool isPlacedConcat(Operation *op);
/// Where the value of `op`'s call goes in such a concat: the concat, its axis, and
/// the part's first index along it; none for another op.
struct PlacedPart {
  Operation *concat;
  int64_t axis, start;
};
std::optional<PlacedPart> placedPart(Operation *op);

/// Payload bytes of one transfer of a tensor of `shape` as `wire` (f32 when
/// absent); the runtime's byte counters count exactly this.
int64_t transferBytes(ArrayRef<int64_t> shape, std::optional<StringRef> wire);
inline int64_t transferBytes(RankedTensorType type,
                             std::optional<StringRef> wire) {
  return transferBytes(type.getShape(), wire);
}

/// Describes a dist.send / dist.recv as a runtime call.
FailureOr<RuntimeCall> describeDistOp(Operation *op, Value runtimeCtx,
                                      ArrayRef<Value> operands);

} // namespace mlir::sepnn

#endif
