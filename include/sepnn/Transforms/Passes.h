#ifndef SEPNN_TRANSFORMS_PASSES_H
#define SEPNN_TRANSFORMS_PASSES_H

#include "Dist/DistDialect.h"
#include "NN/NNDialect.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::sepnn {

#define GEN_PASS_DECL
#include "sepnn/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "sepnn/Transforms/Passes.h.inc"

} // namespace mlir::sepnn

#endif
