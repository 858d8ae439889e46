// Where values live and how ops are named, shared by the dist passes.
#ifndef SEPNN_LIB_TRANSFORMS_VALUEPLACEMENT_H
#define SEPNN_LIB_TRANSFORMS_VALUEPLACEMENT_H

#include "sepnn/Transforms/LayoutRules.h" // nodeName

#include "mlir/IR/Operation.h"
#include "mlir/IR/Value.h"

#include <optional>
#include <string>

namespace mlir::sepnn {

/// The device on which `v` is available: model inputs (function arguments)
/// live on device 0; constants (nullopt) are available on every device,
/// since the outliner copies them into each device that uses them.
std::optional<int64_t> valueDevice(Value v);

/// True for ops that every device can materialize itself (constants).
bool isFreeToReplicate(Operation *op);


} // namespace mlir::sepnn

#endif
