// nn-fold-batchnorm: batch_norm(conv(x)) -> conv(x) with rescaled weights.
#include "sepnn/Support/Weights.h"
#include "sepnn/Transforms/Passes.h"

#include "NN/NNOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace mlir::sepnn {
#define GEN_PASS_DEF_NNFOLDBATCHNORM
#include "sepnn/Transforms/Passes.h.inc"
} // namespace mlir::sepnn

using namespace mlir;
using namespace mlir::sepnn;

namespace {
struct FoldBatchNormIntoConv : OpRewritePattern<nn::BatchNormOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(nn::BatchNormOp bn,
                                PatternRewriter &rewriter) const override {
    auto conv = bn.getInput().getDefiningOp<nn::ConvOp>();
    if (!conv || !conv->hasOneUse())
      return rewriter.notifyMatchFailure(bn, "input is not a single-use conv");
    auto weight = readF32Constant(conv.getWeight());
    auto scale = readF32Constant(bn.getScale());
    auto beta = readF32Constant(bn.getBias());
    auto mean = readF32Constant(bn.getMean());
    auto var = readF32Constant(bn.getVariance());
    if (!weight || !scale || !beta || !mean || !var)
      return rewriter.notifyMatchFailure(bn, "parameters are not constants");
    std::optional<std::vector<float>> bias;
    if (conv.getBias()) {
      bias = readF32Constant(conv.getBias());
      if (!bias)
        return rewriter.notifyMatchFailure(bn, "conv bias is not a constant");
    }

    auto weightType = cast<RankedTensorType>(conv.getWeight().getType());
    int64_t outChannels = weightType.getDimSize(0);
    int64_t perChannel = weightType.getNumElements() / outChannels;
    float eps = bn.getEpsilon().convertToFloat();
    std::vector<float> newWeight = *weight;
    std::vector<float> newBias(outChannels);
    for (int64_t c = 0; c < outChannels; ++c) {
      // Computed in double: the folded model must match the unfolded one to
      // well below the 1e-4 end-to-end tolerance.
      double s = (*scale)[c] / std::sqrt((double)(*var)[c] + eps);
      for (int64_t i = 0; i < perChannel; ++i)
        newWeight[c * perChannel + i] =
            (float)((double)newWeight[c * perChannel + i] * s);
      double b = bias ? (*bias)[c] : 0.0;
      newBias[c] = (float)((b - (*mean)[c]) * s + (*beta)[c]);
    }

    rewriter.setInsertionPoint(conv);
    Value w = createF32Constant(rewriter, conv.getWeight().getLoc(),
                                weightType.getShape(), newWeight,
                                "folded_weight");
    Value b = createF32Constant(rewriter, conv.getLoc(), {outChannels},
                                newBias, "folded_bias");
    auto folded = rewriter.create<nn::ConvOp>(
        conv.getLoc(), conv.getType(), conv.getInput(), w, b,
        conv.getPadsAttr(), conv.getStridesAttr(), conv.getDilationsAttr(),
        conv.getGroupAttr());
    rewriter.replaceOp(bn, folded.getResult());
    rewriter.eraseOp(conv);
    return success();
  }
};

struct NNFoldBatchNormPass
    : sepnn::impl::NNFoldBatchNormBase<NNFoldBatchNormPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldBatchNormIntoConv>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(),
                                            std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
