#include "Diagnostics.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Location.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

void sepnn::driver::printDiagnostic(Diagnostic &diag) {
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

