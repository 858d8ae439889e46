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

Value PolicyApplier::computeRows(Operation *op, int64_t device, int64_t begin,
                                 int64_t end) {
  // Rows inside a range already computed on this device are cut from it
  // (a fused value's consumers on one device ask for nested ranges: a conv
  // its band plus halo, a residual add just the band).
  for (auto it = rowCache.lower_bound({op, device, INT64_MIN, INT64_MIN});
       it != rowCache.end() && std::get<0>(it->first) == op &&
       std::get<1>(it->first) == device;
       ++it) {
    auto [b, e] = std::make_pair(std::get<2>(it->first), std::get<3>(it->first));
    if (it->second && b <= begin && end <= e)
      return slice(it->second, device, kRowAxis, begin - b, end - b,
                   op->getLoc());
  }
  Value &cached = rowCache[{op, device, begin, end}];
  Location loc = op->getLoc();
  int64_t outRows = extentOf(op->getResult(0), kRowAxis);
  SmallVector<Value> operands;
  std::optional<BandInput> in;
  if (std::optional<RowWindow> w = rowWindow(op)) {
    Value input = op->getOperand(0);
    in = bandInput(*w, begin, end, extentOf(input, kRowAxis), outRows);
    if (in->hi <= in->lo) {
      op->emitError() << "rows [" << begin << ", " << end << ") of node '"
                      << nodeName(op) << "' read no input row";
      failedOnDemand = true;
      in->hi = in->lo + 1; // keep the IR well-formed until the pass fails
    }
    operands.push_back(
        materialize(input, device, in->lo, in->hi, loc, kRowAxis));
    for (Value v : op->getOperands().drop_front())
      operands.push_back(materializeWhole(v, device, loc));
  } else {
    for (auto [i, v] : llvm::enumerate(op->getOperands())) {
      if (isPerChannelParameter(op, i))
        operands.push_back(v);
      else if (extentOf(v, kRowAxis) == outRows)
        operands.push_back(materialize(v, device, begin, end, loc, kRowAxis));
      else // broadcast along rows
        operands.push_back(materializeWhole(v, device, loc));
    }
  }
  Operation *clone = cloneWithOperands(op, operands,
                                       std::make_tuple(kRowAxis, begin, end));
  if (in) {
    SmallVector<int64_t> pads(
        cast<DenseI64ArrayAttr>(op->getAttr("pads")).asArrayRef());
    pads[0] = in->padTop;
    pads[2] = in->padBottom;
    clone->setAttr("pads", builder.getDenseI64ArrayAttr(pads));
  }
  return cached = place(clone, device);
}

LogicalResult PolicyApplier::rewriteRowBands(Operation *op,
                                             ArrayRef<int64_t> devices,
                                             const RowBands &bands,
                                             bool recompute) {
  RowWindow w = *rowWindow(op);
  int64_t inRows = extentOf(op->getOperand(0), kRowAxis);
  int64_t outRows = extentOf(op->getResult(0), kRowAxis);
  for (auto [begin, end] : bands) {
    BandInput in = bandInput(w, begin, end, inRows, outRows);
    if (begin < end && in.hi <= in.lo)
      return op->emitError() << "rows [" << begin << ", " << end
                             << ") of node '" << nodeName(op)
                             << "' read no input row";
  }
  if (recompute) {
    lazy[op->getResult(0)] =
        LazyRows{op, SmallVector<int64_t>(devices), bands, {}};
    return success();
  }
  Layout out{outRows, {}, {}, kRowAxis};
  for (auto [device, band] : llvm::zip(devices, bands))
    if (band.first < band.second) // a device may get no rows of a pool
      out.primary.push_back(
          {device, computeRows(op, device, band.first, band.second),
           band.first, band.second});
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
      op, entry, entry.sizes, extentOf(op->getResult(0), kRowAxis), "sizes",
      "output rows");
  if (failed(begins))
    return failure();
  RowBands bands;
  for (auto [begin, size] : llvm::zip(*begins, entry.sizes))
    bands.push_back({begin, begin + size});
  return rewriteRowBands(op, entry.devices, bands, entry.recomputeHalo);
}
