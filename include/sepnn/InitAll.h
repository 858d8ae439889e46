#ifndef SEPNN_INITALL_H
#define SEPNN_INITALL_H

#include "mlir/IR/DialectRegistry.h"

namespace mlir::sepnn {
/// Registers every dialect that sepnn's tools read or write.
void registerAllDialects(DialectRegistry &registry);
/// Registers sepnn's passes and pipelines with the global registry.
void registerAllPasses();
} // namespace mlir::sepnn

#endif
