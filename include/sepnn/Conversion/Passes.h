#ifndef SEPNN_CONVERSION_PASSES_H
#define SEPNN_CONVERSION_PASSES_H

#include "mlir/Dialect/EmitC/IR/EmitC.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::sepnn {

#define GEN_PASS_DECL
#include "sepnn/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "sepnn/Conversion/Passes.h.inc"

} // namespace mlir::sepnn

#endif
