#include "NN/NNDialect.h"
#include "NN/NNOps.h"

using namespace mlir;
using namespace mlir::sepnn::nn;

#include "NN/NNDialect.cpp.inc"

void NNDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "NN/NNOps.cpp.inc"
      >();
}
