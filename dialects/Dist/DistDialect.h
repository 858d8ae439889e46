#ifndef SEPNN_DIST_DISTDIALECT_H
#define SEPNN_DIST_DISTDIALECT_H

#include "mlir/IR/Dialect.h"
#include "mlir/IR/BuiltinAttributes.h"

#include "Dist/DistDialect.h.inc"

#define GET_ATTRDEF_CLASSES
#include "Dist/DistAttrs.h.inc"

#include <optional>

namespace mlir::sepnn::dist {
/// The device that runs `op`: its own `dist.device`, else that of the
/// closest enclosing op that has one (an outlined device function).
std::optional<int64_t> getDevice(Operation *op);
/// Places `op` on `device`.
void setDevice(Operation *op, int64_t device);
/// The cluster of the module that contains `op`, if any.
ClusterAttr getCluster(Operation *op);
} // namespace mlir::sepnn::dist

#endif
