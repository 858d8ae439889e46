#include "Lifetimes.h"

#include "sepnn/Conversion/RuntimeCall.h"

#include "mlir/Dialect/EmitC/IR/EmitC.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace mlir::sepnn;

namespace {

/// The runtime call `op` makes, or "" for another op.
StringRef calleeOf(Operation *op) {
  auto call = dyn_cast_or_null<emitc::CallOpaqueOp>(op);
  return call ? call.getCallee() : StringRef();
}

/// Which handle owns the values of each tensor handle, op by op in program order: a
/// computed tensor owns its values; a reshape's result and a result placed by
/// place_next are views of their operand's or destination's owner; weights and inputs
/// are views of memory the runtime owns (no owner here).
class Owners {
public:
  explicit Owners(MLIRContext *ctx) : handleType(RuntimeCall::tensorType(ctx)) {}

  Value ownerOf(Value handle) const { return owner.lookup(handle); }

  /// Records op's results; returns those that own their values.
  SmallVector<Value> visit(Operation &op) {
    SmallVector<Value> created;
    StringRef callee = calleeOf(&op);
    if (callee == "sepnn::rt::place_next") { // operands: the context, the destination
      placedInto = owner.lookup(op.getOperand(1));
      return created;
    }
    for (Value result : op.getResults()) {
      if (result.getType() != handleType || callee == "sepnn::rt::weight" ||
          callee == "sepnn::rt::input")
        continue;
      if (placedInto) {
        owner[result] = placedInto;
        placedInto = Value();
        continue;
      }
      if (callee == "sepnn::rt::reshape") { // operands: the context, the tensor
        if (Value o = owner.lookup(op.getOperand(1)))
          owner[result] = o;
        continue;
      }
      owner[result] = result;
      created.push_back(result);
    }
    return created;
  }

private:
  Type handleType;
  DenseMap<Value, Value> owner;
  Value placedInto; // after a place_next: the owner the next result is a view of
};

} // namespace

void mlir::sepnn::placeOutputsOverResiduals(Block &body, Value runtimeCtx) {
  // Each op's position, and each handle's last use.
  DenseMap<Operation *, unsigned> position;
  DenseMap<Value, unsigned> lastUse;
  unsigned at = 0;
  for (Operation &op : body) {
    position[&op] = at;
    for (Value operand : op.getOperands())
      lastUse[operand] = at;
    ++at;
  }
  Owners owners(body.getParentOp()->getContext());
  // Owner -> the last use of it or of any view of it made so far: a later view can
  // only come from a use of one of these, so "no use after op" is decided at op.
  DenseMap<Value, unsigned> end;
  // Outputs placed over a residual here: views of their owner with its shape (a
  // conv_add's output has its residual's shape), so they may be overwritten in turn.
  DenseSet<Value> overwritten;
  Operation *previous = nullptr;
  for (Operation &op : llvm::make_early_inc_range(body)) {
    StringRef callee = calleeOf(&op);
    Value over; // the owner this call's output is placed over
    if ((callee == "sepnn::rt::conv_add" || callee == "sepnn::rt::conv_add_relu") &&
        calleeOf(previous) != "sepnn::rt::place_next") {
      Value residual = op.getOperands().back(); // the context, x, w, [b,] r
      Value owner = owners.ownerOf(residual);
      const bool shared = llvm::any_of(op.getOperands().drop_back(), [&](Value operand) {
        return owners.ownerOf(operand) == owner;
      });
      if (owner && !shared && (residual == owner || overwritten.contains(residual)) &&
          end.lookup(owner) == position[&op])
        over = owner;
    }
    if (over) {
      OpBuilder builder(&op);
      owners.visit(*RuntimeCall(body.getParentOp()->getContext(), runtimeCtx, "place_next")
                        .tensor(over)
                        .integer(0)
                        .integer(0)
                        .build(builder, op.getLoc(), false));
    }
    for (Value created : owners.visit(op))
      end[created] = position[&op];
    for (Value result : op.getResults())
      if (Value owner = owners.ownerOf(result)) {
        end[owner] = std::max(end[owner], lastUse.lookup(result));
        if (over)
          overwritten.insert(result);
      }
    previous = &op;
  }
}

void mlir::sepnn::insertReleases(Block &body, Value runtimeCtx) {
  MLIRContext *ctx = body.getParentOp()->getContext();
  Owners owners(ctx);
  DenseMap<Value, Operation *> lastUse; // owner -> last use of it or of a view
  SmallVector<Value> computed;          // owners, in definition order
  for (Operation &op : body) {
    for (Value operand : op.getOperands())
      if (Value owner = owners.ownerOf(operand))
        lastUse[owner] = &op;
    for (Value created : owners.visit(op)) {
      lastUse[created] = &op;
      computed.push_back(created);
    }
  }
  for (Value owner : computed) {
    Operation *last = lastUse[owner];
    if (calleeOf(last) == "sepnn::rt::output")
      continue;
    OpBuilder builder(ctx);
    builder.setInsertionPointAfter(last);
    RuntimeCall(ctx, runtimeCtx, "release").tensor(owner).build(builder, last->getLoc(), false);
  }
}
