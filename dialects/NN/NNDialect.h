#ifndef SEPNN_NN_NNDIALECT_H
#define SEPNN_NN_NNDIALECT_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Dialect.h"

#include "NN/NNDialect.h.inc"

#endif
