// The rows strategy: each device computes a band of output rows of a conv or
// pool from its own input rows plus exactly the halo that the band's
// receptive field reaches (kernel, stride, dilation, padding). The band's
// padding is the original padding where the band touches the border, and none
// inside, so every output row equals the unsplit op's.
#include "PolicyApplier.h"
#include "ValuePlacement.h"

#include "NN/NNOps.h"

using namespace mlir;
using namespace mlir::sepnn;

namespace {
/// The geometry of a windowed op along rows.
struct RowWindow {
  int64_t kernel, stride, dilation, padTop, padBottom;
  int64_t span() const { return (kernel - 1) * dilation + 1; }
};
} // namespace

/// Only 2-D windows (pads [top, left, bottom, right]) are split by rows.
static std::optional<RowWindow> rowWindow(Operation *op) {
  auto window = [](int64_t kernel, ArrayRef<int64_t> strides,
                   ArrayRef<int64_t> dilations,
                   ArrayRef<int64_t> pads) -> std::optional<RowWindow> {
    if (strides.size() != 2 || pads.size() != 4 ||
        (!dilations.empty() && dilations.size() != 2))
      return std::nullopt;
    return RowWindow{kernel, strides[0], dilations.empty() ? 1 : dilations[0],
                     pads[0], pads[2]};
  };
  if (auto conv = dyn_cast<nn::ConvOp>(op)) {
    auto w = cast<RankedTensorType>(conv.getWeight().getType());
    if (w.getRank() != 4)
      return std::nullopt;
    return window(w.getDimSize(2), conv.getStrides(), conv.getDilations(),
                  conv.getPads());
  }
  if (auto pool = dyn_cast<nn::MaxPoolOp>(op))
    return window(pool.getKernelShape()[0], pool.getStrides(),
                  pool.getDilations(), pool.getPads());
  if (auto pool = dyn_cast<nn::AveragePoolOp>(op))
    return window(pool.getKernelShape()[0], pool.getStrides(), {},
                  pool.getPads());
  return std::nullopt;
}

LogicalResult PolicyApplier::rewriteRowBands(
    Operation *op, ArrayRef<int64_t> devices,
    ArrayRef<std::pair<int64_t, int64_t>> bands) {
  RowWindow w = *rowWindow(op);
  Value input = op->getOperand(0);
  int64_t inRows = extentOf(input, kRowAxis);
  int64_t outRows = extentOf(op->getResult(0), kRowAxis);
  Location loc = op->getLoc();
  Layout out{outRows, {}, {}, kRowAxis};
  for (auto [device, band] : llvm::zip(devices, bands)) {
    auto [begin, end] = band;
    if (begin >= end)
      continue; // a device with no rows of this op
    // Input rows [lo, hi) that output rows [begin, end) read, padding
    // included; the last band keeps the original bottom padding (and, in
    // ceil mode, its partial last window).
    int64_t lo = begin * w.stride - w.padTop;
    int64_t hi = (end - 1) * w.stride - w.padTop + w.span();
    bool last = end == outRows;
    int64_t padTop = std::max<int64_t>(0, -lo);
    int64_t padBottom = last ? w.padBottom : std::max<int64_t>(0, hi - inRows);
    lo = std::max<int64_t>(lo, 0);
    hi = last ? inRows : std::min(hi, inRows);
    if (hi <= lo)
      return op->emitError() << "rows [" << begin << ", " << end
                             << ") of node '" << nodeName(op)
                             << "' read no input row";
    SmallVector<Value> operands{
        materialize(input, device, lo, hi, loc, kRowAxis)};
    for (Value v : op->getOperands().drop_front())
      operands.push_back(materializeWhole(v, device, loc));
    Operation *clone = cloneWithOperands(
        op, operands, std::make_tuple(kRowAxis, begin, end));
    SmallVector<int64_t> pads(
        cast<DenseI64ArrayAttr>(op->getAttr("pads")).asArrayRef());
    pads[0] = padTop;
    pads[2] = padBottom;
    clone->setAttr("pads", builder.getDenseI64ArrayAttr(pads));
    out.primary.push_back({device, place(clone, device), begin, end});
  }
  layouts[op->getResult(0)] = out;
  return success();
}

LogicalResult PolicyApplier::rewriteRows(Operation *op,
                                         const OpPolicy &entry) {
  if (!rowWindow(op))
    return policyError(op, entry, "split")
           << "rows applies to 2-D Conv, MaxPool and AveragePool nodes, not '"
           << op->getName() << "'";
  FailureOr<SmallVector<int64_t>> begins = rangeBegins(
      op, entry, extentOf(op->getResult(0), kRowAxis), "output rows");
  if (failed(begins))
    return failure();
  SmallVector<std::pair<int64_t, int64_t>> bands;
  for (auto [begin, size] : llvm::zip(*begins, entry.sizes))
    bands.push_back({begin, begin + size});
  return rewriteRowBands(op, entry.devices, bands);
}
