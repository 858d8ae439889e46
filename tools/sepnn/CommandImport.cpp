#include "Args.h"
#include "Commands.h"
#include "sepnn/Import/ONNX.h"
#include "sepnn/InitAll.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/ToolOutputFile.h"

int ::sepnn::driver::runImport(int argc, char **argv) {
  auto args = parseArgs(argc, argv, 2, {"-o", "--input-shape"}, {});
  if (!args)
    return reportError(args.takeError());
  if (args->positional.size() != 1)
    return reportError("import: expected one MODEL.onnx");
  mlir::DialectRegistry registry;
  mlir::sepnn::registerAllDialects(registry);
  mlir::MLIRContext context(registry);
  mlir::sepnn::InputShapes shapes;
  for (const std::string &spec : args->all("--input-shape"))
    if (auto e = mlir::sepnn::parseInputShape(spec, shapes))
      return reportError(std::move(e));
  auto module = mlir::sepnn::importONNXFile(args->positional[0], &context, shapes);
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
