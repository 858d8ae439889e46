// The in_channels strategy: each device convolves (or multiplies) its slice
// of input channels with the matching weight slice; the partial sums, each of
// the full output's shape, are added up on `reduce_to`, which also adds the
// bias once. Only the input slices and the partial sums cross the network.
// With `reduce_scatter`, each device instead adds up its own slice of output
// channels from everyone's partials: the result is left split by channels,
// straight in the layout the next op needs, and no device gathers it all.
#include "PolicyApplier.h"
#include "ValuePlacement.h"
#include "sepnn/Support/Weights.h"

#include "Dist/DistDialect.h"
#include "NN/NNOps.h"

using namespace mlir;
using namespace mlir::sepnn;

namespace {
/// One device's share of an in_channels op.
struct Share {
  int64_t device;
  int64_t begin, end; // input channels
  bool withBias;
};
} // namespace

LogicalResult PolicyApplier::rewriteInChannels(Operation *op,
                                               const OpPolicy &entry) {
  auto conv = dyn_cast<nn::ConvOp>(op);
  auto gemm = dyn_cast<nn::GemmOp>(op);
  if (!conv && !gemm)
    return policyError(op, entry, "split")
           << "in_channels applies to Conv and Gemm nodes, not '"
           << op->getName() << "'";
  if (conv && conv.getGroup() != 1)
    return policyError(op, entry, "split")
           << "in_channels needs an ungrouped conv; node '" << nodeName(op)
           << "' has " << conv.getGroup()
           << " groups (split it by out_channels, which keeps groups whole)";
  if (gemm && gemm.getTransA())
    return policyError(op, entry, "split")
           << "in_channels needs transA = 0 on node '" << nodeName(op) << "'";
  Value weight = conv ? conv.getWeight() : gemm.getB();
  Value bias = conv ? conv.getBias() : gemm.getC();
  std::optional<std::vector<float>> weights = readF32Constant(weight);
  if (!weights)
    return policyError(op, entry, "split")
           << "in_channels needs constant weights";
  auto wType = cast<RankedTensorType>(weight.getType());
  // The reduced dimension of the weight: Conv [M, C, kh, kw] -> C;
  // Gemm B [K, N] -> K, or B [N, K] with transB -> K.
  int64_t weightDim = conv ? 1 : (gemm.getTransB() ? 1 : 0);
  int64_t extent = wType.getDimSize(weightDim);
  FailureOr<SmallVector<int64_t>> begins =
      rangeBegins(op, entry, entry.sizes, extent, "sizes", "input channels");
  if (failed(begins))
    return failure();
  int64_t reduceTo = entry.reduceTo.value_or(entry.devices.front());
  if (reduceTo < 0 || reduceTo >= numDevices)
    return policyError(op, entry, "reduce_to")
           << "device " << reduceTo << " is not in the cluster ("
           << numDevices << " devices)";

  SmallVector<Share> shares;
  bool biasPlaced = false;
  for (auto [i, device] : llvm::enumerate(entry.devices)) {
    bool withBias = bias && device == reduceTo;
    biasPlaced |= withBias;
    shares.push_back({device, (*begins)[i], (*begins)[i] + entry.sizes[i],
                      withBias});
  }
  if (bias && !biasPlaced)
    shares.front().withBias = true;

  Location loc = op->getLoc();
  auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
  SmallVector<Value> partials; // in share order
  for (const Share &share : shares) {
    Value input = materialize(op->getOperand(0), share.device, share.begin,
                              share.end, loc);
    SmallVector<int64_t> wShape(wType.getShape());
    wShape[weightDim] = share.end - share.begin;
    Value w = createF32Constant(
        builder, weight.getLoc(), wShape,
        sliceDim(*weights, wType.getShape(), weightDim, share.begin,
                 share.end),
        "weight_shard");
    Value b = share.withBias ? bias : Value();
    Operation *partial;
    if (conv)
      partial = builder.create<nn::ConvOp>(
          loc, resultType, input, w, b, conv.getPadsAttr(),
          conv.getStridesAttr(), conv.getDilationsAttr(), conv.getGroupAttr());
    else
      partial = builder.create<nn::GemmOp>(
          loc, resultType, input, w, b, gemm.getAlphaAttr(),
          gemm.getBetaAttr(), gemm.getTransAAttr(), gemm.getTransBAttr());
    partials.push_back(place(partial, share.device));
  }
  if (!entry.reduceScatter.empty())
    return reduceScatter(op, entry, partials);

  // Sum on reduce_to, its own partial first: the others arrive as transfers.
  auto own = llvm::find_if(shares, [&](const Share &s) {
    return s.device == reduceTo;
  });
  size_t first = own == shares.end() ? 0 : own - shares.begin();
  Value sum = partials[first];
  for (auto [i, p] : llvm::enumerate(partials))
    if (i != first)
      sum = place(builder.create<nn::AddOp>(loc, resultType, sum, p),
                  reduceTo);
  setWhole(op->getResult(0), reduceTo, sum);
  return success();
}

LogicalResult PolicyApplier::reduceScatter(Operation *op,
                                           const OpPolicy &entry,
                                           ArrayRef<Value> partials) {
  int64_t channels = channelExtent(op->getResult(0));
  FailureOr<SmallVector<int64_t>> begins = rangeBegins(op, entry, entry.reduceScatter,
                                                     channels, "reduce_scatter",
                                                     "output channels");
  if (failed(begins))
    return failure();
  auto type = cast<RankedTensorType>(op->getResult(0).getType());
  Layout out{channels, {}, {}, kChannelAxis};
  for (auto [i, device] : llvm::enumerate(entry.devices)) {
    int64_t begin = (*begins)[i], end = begin + entry.reduceScatter[i];
    if (begin == end)
      continue;
    SmallVector<int64_t> shape(type.getShape());
    shape[1] = end - begin;
    auto sliceType = RankedTensorType::get(shape, type.getElementType());
    // The device's own partial first; the others' slices arrive.
    Value sum = slice(partials[i], device, kChannelAxis, begin, end,
                      op->getLoc());
    for (auto [j, partial] : llvm::enumerate(partials))
      if (j != i)
        sum = place(builder.create<nn::AddOp>(
                        op->getLoc(), sliceType, sum,
                        slice(partial, entry.devices[j], kChannelAxis, begin,
                              end, op->getLoc())),
                    device);
    out.primary.push_back({device, sum, begin, end});
  }
  layouts[op->getResult(0)] = out;
  return success();
}
