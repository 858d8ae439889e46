// sepnn-opt: mlir-opt with sepnn's dialects, passes and pipelines.
#include "sepnn/InitAll.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  mlir::sepnn::registerAllDialects(registry);
  mlir::sepnn::registerAllPasses();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "sepnn optimizer driver\n", registry));
}
