// The device's memory plan on its lowered body (straight-line emitc calls into the
// runtime ABI): which handle owns the values each tensor handle sees, residuals that
// a conv_add overwrites, and the release of every computed tensor after its last use.
#ifndef SEPNN_CONVERSION_DEVICESTOEMITC_LIFETIMES_H
#define SEPNN_CONVERSION_DEVICESTOEMITC_LIFETIMES_H

#include "mlir/IR/Block.h"
#include "mlir/IR/Value.h"

namespace mlir::sepnn {

/// Where a conv_add or conv_add_relu call is the last use of its residual's values
/// (of the tensor that owns them and of every view of it), places its output over
/// them (place_next onto that owner, ABI 5): the kernels then add their products into
/// the residual where it lies instead of reading it as one more stream, and the device
/// holds one tensor fewer. Not where the residual is a view of another shape (a
/// reshape), where another operand shares its values, or where the output is placed
/// already (a concatenation's part). Run before insertReleases.
void placeOutputsOverResiduals(Block &body, Value runtimeCtx);

/// Frees every computed tensor right after its last use, so a device holds only the
/// live activations (the runtime's memory plan). A reshape's result is a view of its
/// operand's values (abi.h), and a result placed by place_next a view of its
/// destination, so values live until the last use of any view of them; weights and
/// inputs are views of memory the runtime owns (never freed); outputs live to the end
/// of the inference.
void insertReleases(Block &body, Value runtimeCtx);

} // namespace mlir::sepnn

#endif
