// Layout rules and row geometry shared by the policy applier and the search.
#include "sepnn/Transforms/LayoutRules.h"
#include "sepnn/Support/Weights.h"

#include "NN/NNOps.h"

using namespace mlir;
using namespace mlir::sepnn;

OpPolicy mlir::sepnn::defaultSplit(Operation *op, int64_t numDevices) {
  // Weights computed at run time cannot be sharded ahead of time.
  if (!isF32Constant(op->getOperand(1)))
    return OpPolicy{Split::Device, {0}, {}, {}, "default"};
  auto type = cast<RankedTensorType>(op->getResult(0).getType());
  int64_t extent = type.getRank() >= 2 ? type.getDimSize(1) : 1;
  int64_t unit = 1;
  if (auto conv = dyn_cast<nn::ConvOp>(op); conv && conv.getGroup() > 1)
    unit = extent / conv.getGroup();
  int64_t units = extent / unit;
  int64_t devices = std::min(numDevices, units);
  OpPolicy split{Split::OutChannels, {}, {}, {}, "default"};
  for (int64_t d = 0; d < devices; ++d) {
    split.devices.push_back(d);
    split.sizes.push_back((units / devices + (d < units % devices)) * unit);
  }
  return split;
}

bool mlir::sepnn::isPerChannelParameter(Operation *op, unsigned operandIndex) {
  return isa<nn::BatchNormOp>(op) && operandIndex > 0;
}

bool mlir::sepnn::followsPieces(Operation *op, int64_t axis) {
  if (isa<nn::ReluOp, nn::LeakyReluOp, nn::ClipOp, nn::SigmoidOp,
          nn::HardSigmoidOp, nn::HardSwishOp, nn::TanhOp>(op))
    return true;
  if (auto bn = dyn_cast<nn::BatchNormOp>(op))
    return llvm::all_of(
        ValueRange{bn.getScale(), bn.getBias(), bn.getMean(),
                   bn.getVariance()},
        [](Value p) { return isF32Constant(p); });
  if (isa<nn::AddOp, nn::SubOp, nn::MulOp, nn::DivOp>(op)) {
    // The right operand broadcasts into the left one (a residual, or an SE
    // block's per-channel scale) along aligned dimensions.
    auto lhs = cast<RankedTensorType>(op->getOperand(0).getType());
    auto rhs = cast<RankedTensorType>(op->getOperand(1).getType());
    return op->getResult(0).getType() == lhs &&
           lhs.getRank() == rhs.getRank() && lhs.getRank() > axis;
  }
  // Pools keep channels apart; along rows they need a halo (rewriteRowBands).
  if (isa<nn::MaxPoolOp, nn::AveragePoolOp, nn::GlobalAveragePoolOp,
          nn::GlobalMaxPoolOp>(op))
    return axis == kChannelAxis;
  if (auto flatten = dyn_cast<nn::FlattenOp>(op)) {
    auto type = cast<RankedTensorType>(flatten.getInput().getType());
    return axis == kChannelAxis && flatten.getAxis() == 1 &&
           type.getDimSize(0) == 1;
  }
  return false;
}

RowBands mlir::sepnn::proportionalBands(
    ArrayRef<std::pair<int64_t, int64_t>> inputBands, int64_t inRows,
    int64_t outRows) {
  RowBands bands;
  for (auto [begin, end] : inputBands)
    bands.push_back({(begin * outRows + inRows / 2) / inRows,
                     (end * outRows + inRows / 2) / inRows});
  return bands;
}

std::optional<RowWindow> mlir::sepnn::rowWindow(Operation *op) {
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

BandInput mlir::sepnn::bandInput(const RowWindow &w, int64_t begin, int64_t end,
                           int64_t inRows, int64_t outRows) {
  int64_t lo = begin * w.stride - w.padTop;
  int64_t hi = (end - 1) * w.stride - w.padTop + w.span();
  // The last band keeps the original bottom padding (and, in ceil mode, its
  // partial last window); inner bands only pad past the image's end.
  bool last = end == outRows;
  return {std::max<int64_t>(lo, 0), last ? inRows : std::min(hi, inRows),
          std::max<int64_t>(0, -lo),
          last ? w.padBottom : std::max<int64_t>(0, hi - inRows)};
}

