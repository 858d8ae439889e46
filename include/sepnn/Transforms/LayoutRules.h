// How ops follow the layouts of their inputs, and the row geometry of
// windowed ops: shared by the policy applier (which rewrites the IR) and the
// search's cost model (which predicts what the rewrite will move and compute).
#ifndef SEPNN_TRANSFORMS_LAYOUTRULES_H
#define SEPNN_TRANSFORMS_LAYOUTRULES_H

#include "sepnn/Support/Policy.h"

#include "mlir/IR/Operation.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>
#include <string>
#include <utility>

namespace mlir::sepnn {

/// The ONNX node name recorded in `op`'s location (the key of its POLICY.json
/// entry), or "" when it has none.
std::string nodeName(Operation *op);

/// The dimensions a layout can split.
constexpr int64_t kChannelAxis = 1;
constexpr int64_t kRowAxis = 2;

/// Per-channel parameters that must be cut along with a channel slice.
bool isPerChannelParameter(Operation *op, unsigned operandIndex);
/// Whether `op` computes each element of its result from the same position
/// of its inputs along `axis` (with a broadcast right operand for binary
/// ops), so that it runs on every piece where that piece lives.
bool followsPieces(Operation *op, int64_t axis);

/// The split of a Conv or Gemm that a policy does not mention (and that has
/// no `default`): evenly by output channels over every device, in whole
/// groups for a grouped conv; on device 0 when its weights are not constants.
OpPolicy defaultSplit(Operation *op, int64_t numDevices);

/// Output row bands [begin, end), one per device.
using RowBands = SmallVector<std::pair<int64_t, int64_t>>;

/// The geometry of a 2-D windowed op (conv, max or average pool) along rows.
struct RowWindow {
  int64_t kernel, stride, dilation, padTop, padBottom;
  int64_t span() const { return (kernel - 1) * dilation + 1; }
};
/// Only 2-D windows (pads [top, left, bottom, right]) are split by rows.
std::optional<RowWindow> rowWindow(Operation *op);

/// The input rows [lo, hi) that output rows [begin, end) of a window read,
/// and the padding the band keeps: the original padding at the image's
/// border, none inside.
struct BandInput {
  int64_t lo, hi, padTop, padBottom;
};
BandInput bandInput(const RowWindow &w, int64_t begin, int64_t end,
                    int64_t inRows, int64_t outRows);

/// Output row bands of a pool whose input rows are split into `inputBands`:
/// each device keeps the output rows proportional to its input band.
RowBands proportionalBands(ArrayRef<std::pair<int64_t, int64_t>> inputBands,
                           int64_t inRows, int64_t outRows);

} // namespace mlir::sepnn

#endif
