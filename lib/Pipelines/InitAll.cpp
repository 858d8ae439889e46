#include "sepnn/InitAll.h"
#include "sepnn/Conversion/Passes.h"
#include "sepnn/Pipelines/Pipelines.h"
#include "sepnn/Transforms/Passes.h"

#include "Dist/DistDialect.h"
#include "NN/NNDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/EmitC/IR/EmitC.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Transforms/Passes.h"

void mlir::sepnn::registerAllDialects(DialectRegistry &registry) {
  registry.insert<nn::NNDialect, dist::DistDialect, arith::ArithDialect,
                  func::FuncDialect, emitc::EmitCDialect>();
}

void mlir::sepnn::registerAllPasses() {
  registerTransformsPasses();
  registerConversionPasses();
  registerPipelines();
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
}
