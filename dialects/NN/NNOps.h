#ifndef SEPNN_NN_NNOPS_H
#define SEPNN_NN_NNOPS_H

#include "NN/NNDialect.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_OP_CLASSES
#include "NN/NNOps.h.inc"

#endif
