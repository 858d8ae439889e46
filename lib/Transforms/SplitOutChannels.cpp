// The out_channels strategy: each device computes a slice of output channels
// from the whole input (or, for a grouped conv, from its groups' inputs).
#include "PolicyApplier.h"
#include "ValuePlacement.h"
#include "sepnn/Support/Weights.h"

#include "Dist/DistDialect.h"
#include "NN/NNOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/IRMapping.h"

#include <numeric>
#include <set>

using namespace mlir;
using namespace mlir::sepnn;

LogicalResult PolicyApplier::rewriteConvOutChannels(nn::ConvOp conv,
                                                    const OpPolicy &entry,
                                                    ArrayRef<int64_t> begins) {
  auto weightType = cast<RankedTensorType>(conv.getWeight().getType());
  ArrayRef<int64_t> wShape = weightType.getShape();
  std::optional<std::vector<float>> weight = readF32Constant(conv.getWeight());
  std::optional<std::vector<float>> bias;
  if (conv.getBias())
    bias = readF32Constant(conv.getBias());
  if (!weight || (conv.getBias() && !bias))
    return policyError(conv, entry, "split")
           << "out_channels needs constant weights";
  int64_t group = conv.getGroup();
  int64_t perGroupOut = wShape[0] / group;
  int64_t perGroupIn = wShape[1];
  Layout out{wShape[0], {}, {}};
  for (auto [i, device] : llvm::enumerate(entry.devices)) {
    int64_t begin = begins[i], end = begins[i] + entry.sizes[i];
    // A grouped conv split on group boundaries only needs its groups' inputs;
    // an ungrouped one needs the whole input.
    if (group > 1 && (begin % perGroupOut || end % perGroupOut))
      return policyError(conv, entry, "sizes")
             << "slice [" << begin << ", " << end << ") of node '"
             << nodeName(conv) << "' cuts one of its " << group
             << " groups of " << perGroupOut << " channels";
    int64_t firstGroup = group > 1 ? begin / perGroupOut : 0;
    int64_t lastGroup = group > 1 ? end / perGroupOut : 1;
    Location loc = conv.getLoc();
    Value input = materialize(conv.getInput(), device, firstGroup * perGroupIn,
                              lastGroup * perGroupIn, loc);
    SmallVector<int64_t> shape(wShape);
    shape[0] = end - begin;
    Value w = createF32Constant(builder, conv.getWeight().getLoc(), shape,
                                sliceDim(*weight, wShape, 0, begin, end),
                                "weight_shard");
    Value b;
    if (bias)
      b = createF32Constant(builder, conv.getBias().getLoc(), {end - begin},
                            sliceDim(*bias, {wShape[0]}, 0, begin, end),
                            "bias_shard");
    auto resultType = cast<RankedTensorType>(conv.getType());
    SmallVector<int64_t> outShape(resultType.getShape());
    outShape[1] = end - begin;
    auto shard = builder.create<nn::ConvOp>(
        loc, RankedTensorType::get(outShape, resultType.getElementType()),
        input, w, b, conv.getPadsAttr(), conv.getStridesAttr(),
        conv.getDilationsAttr(),
        builder.getI64IntegerAttr(lastGroup - firstGroup));
    out.primary.push_back({device, place(shard, device), begin, end});
  }
  layouts[conv.getResult()] = out;
  return success();
}

LogicalResult PolicyApplier::rewriteGemmOutChannels(nn::GemmOp gemm,
                                                    const OpPolicy &entry,
                                                    ArrayRef<int64_t> begins) {
  auto bType = cast<RankedTensorType>(gemm.getB().getType());
  std::optional<std::vector<float>> bValues = readF32Constant(gemm.getB());
  std::optional<std::vector<float>> cValues;
  RankedTensorType cType;
  if (gemm.getC()) {
    cValues = readF32Constant(gemm.getC());
    cType = cast<RankedTensorType>(gemm.getC().getType());
  }
  if (!bValues || (gemm.getC() && !cValues))
    return policyError(gemm, entry, "split")
           << "out_channels needs constant weights";
  int64_t n = gemm.getType().getDimSize(1);
  Layout out{n, {}, {}};
  for (auto [i, device] : llvm::enumerate(entry.devices)) {
    int64_t begin = begins[i], end = begins[i] + entry.sizes[i];
    Location loc = gemm.getLoc();
    Value a = materializeWhole(gemm.getA(), device, loc);
    SmallVector<int64_t> bShape(bType.getShape());
    std::vector<float> bSlice;
    if (gemm.getTransB()) {
      bShape[0] = end - begin;
      bSlice = sliceDim(*bValues, bType.getShape(), 0, begin, end);
    } else {
      bShape[1] = end - begin;
      bSlice = sliceDim(*bValues, bType.getShape(), 1, begin, end);
    }
    Value b = createF32Constant(builder, gemm.getB().getLoc(), bShape, bSlice,
                                "weight_shard");
    Value c;
    if (cValues) {
      // C broadcasts to [M, N]: cut its N dimension only where it has one.
      ArrayRef<int64_t> cShape = cType.getShape();
      if (cShape.empty() || cShape.back() == 1) {
        c = gemm.getC();
      } else if (cShape.size() == 1) {
        c = createF32Constant(builder, gemm.getC().getLoc(), {end - begin},
                              sliceDim(*cValues, cShape, 0, begin, end),
                              "bias_shard");
      } else {
        c = createF32Constant(builder, gemm.getC().getLoc(),
                              {cShape[0], end - begin},
                              sliceDim(*cValues, cShape, 1, begin, end),
                              "bias_shard");
      }
    }
    auto shard = builder.create<nn::GemmOp>(
        loc,
        RankedTensorType::get({gemm.getType().getDimSize(0), end - begin},
                              gemm.getType().getElementType()),
        a, b, c, gemm.getAlphaAttr(), gemm.getBetaAttr(), gemm.getTransAAttr(),
        gemm.getTransBAttr());
    out.primary.push_back({device, place(shard, device), begin, end});
  }
  layouts[gemm.getResult()] = out;
  return success();
}

LogicalResult PolicyApplier::rewriteOutChannels(Operation *op,
                                                const OpPolicy &entry) {
  if (!isa<nn::ConvOp, nn::GemmOp>(op))
    return policyError(op, entry, "split")
           << "out_channels applies to Conv and Gemm nodes, not '"
           << op->getName() << "'";
  FailureOr<SmallVector<int64_t>> begins = rangeBegins(
      op, entry, entry.sizes, channelExtent(op->getResult(0)), "sizes",
      "output channels");
  if (failed(begins))
    return failure();
  if (auto conv = dyn_cast<nn::ConvOp>(op))
    return rewriteConvOutChannels(conv, entry, *begins);
  return rewriteGemmOutChannels(cast<nn::GemmOp>(op), entry, *begins);
}

