// How the driver prints MLIR diagnostics: one line per error.
#ifndef SEPNN_TOOLS_SEPNN_DIAGNOSTICS_H
#define SEPNN_TOOLS_SEPNN_DIAGNOSTICS_H

#include "mlir/IR/Diagnostics.h"

namespace sepnn::driver {

/// `error: <file>: node '<name>': <message>`; notes and warnings are dropped.
void printDiagnostic(mlir::Diagnostic &diag);

} // namespace sepnn::driver

#endif
