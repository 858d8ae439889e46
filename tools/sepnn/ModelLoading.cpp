#include "ModelLoading.h"
#include "sepnn/Import/ONNX.h"
#include "sepnn/InitAll.h"
#include "sepnn/Pipelines/Pipelines.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Location.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace sepnn::driver {

void printDiagnostic(Diagnostic &diag) {
  if (diag.getSeverity() != DiagnosticSeverity::Error)
    return;
  std::string where;
  Location loc = diag.getLocation();
  if (auto name = dyn_cast<NameLoc>(loc)) {
    if (auto file = dyn_cast<FileLineColLoc>(name.getChildLoc()))
      where = (file.getFilename().getValue() + ": ").str();
    where += ("node '" + name.getName().getValue() + "': ").str();
  } else if (auto file = dyn_cast<FileLineColLoc>(loc)) {
    if (file.getLine() > 0)
      where = llvm::formatv("{0}:{1}:{2}: ", file.getFilename().getValue(),
                            file.getLine(), file.getColumn())
                  .str();
  }
  llvm::errs() << "error: " << where << diag.str() << "\n";
}


static DialectRegistry sepnnDialects() {
  DialectRegistry registry;
  mlir::sepnn::registerAllDialects(registry);
  return registry;
}

DriverContext::DriverContext()
    : context(sepnnDialects()), handler(&context, [](Diagnostic &diag) {
        printDiagnostic(diag);
        return success();
      }) {}

llvm::Expected<OwningOpRef<ModuleOp>>
importModel(const Args &args, const std::string &model,
                           MLIRContext *context) {
  mlir::sepnn::InputShapes shapes;
  for (const std::string &spec : args.all("--input-shape"))
    if (auto e = mlir::sepnn::parseInputShape(spec, shapes))
      return std::move(e);
  return mlir::sepnn::importONNXFile(model, context, shapes);
}

FailureOr<func::FuncOp> cleanModel(ModuleOp module,
                                                  const std::string &model) {
  PassManager cleanup(module.getContext());
  mlir::sepnn::buildCleanupPipeline(cleanup);
  if (failed(cleanup.run(module)))
    return failure();
  auto funcs = llvm::to_vector(module.getOps<func::FuncOp>());
  if (funcs.size() != 1) {
    reportError(model + ": expected one function after import");
    return failure();
  }
  return funcs.front();
}

llvm::Error writeText(llvm::StringRef path,
                                     llvm::StringRef text) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec)
    return llvm::createStringError(ec, path + ": cannot write: " +
                                           ec.message());
  os << text;
  return llvm::Error::success();
}

llvm::Error writeJson(
    llvm::StringRef path,
    const std::function<void(llvm::json::OStream &)> &body) {
  std::string text;
  llvm::raw_string_ostream os(text);
  {
    llvm::json::OStream j(os, 2);
    j.object([&] { body(j); });
  }
  os << "\n";
  return writeText(path, text);
}

} // namespace sepnn::driver
