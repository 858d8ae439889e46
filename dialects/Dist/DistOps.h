#ifndef SEPNN_DIST_DISTOPS_H
#define SEPNN_DIST_DISTOPS_H

#include "Dist/DistDialect.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_OP_CLASSES
#include "Dist/DistOps.h.inc"

#endif
