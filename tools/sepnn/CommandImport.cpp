#include "Args.h"
#include "Commands.h"
#include "ModelLoading.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/ToolOutputFile.h"

int ::sepnn::driver::runImport(int argc, char **argv) {
  auto args = parseArgs(argc, argv, 2, {"-o", "--input-shape"}, {});
  if (!args)
    return reportError(args.takeError());
  if (args->positional.size() != 1)
    return reportError("import: expected one MODEL.onnx");
  DriverContext driver;
  auto module = importModel(*args, args->positional[0], &driver.context);
  if (!module)
    return reportError(module.takeError());
  std::string message;
  auto file = mlir::openOutputFile(args->get("-o", "-"), &message);
  if (!file)
    return reportError(message);
  (*module)->print(file->os(), mlir::OpPrintingFlags().enableDebugInfo(
                                   /*enable=*/true, /*prettyForm=*/true));
  file->keep();
  return 0;
}
