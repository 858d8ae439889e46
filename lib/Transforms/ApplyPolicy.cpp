// dist-apply-policy: shard and place every op of the model as POLICY.json says.
//
// Every original value gets a Layout: the pieces of its channel dimension
// (dim 1) and the devices that hold them. An op is rewritten per device from
// the pieces its policy needs; when a consumer needs a range that no piece on
// its device holds, `materialize` cuts exactly that range out of the pieces
// that hold it (nn.slice on the holder) and joins the parts (nn.concat on the
// consumer). dist-partition later turns every cross-device edge into a
// send/recv pair, so what crosses the network is exactly what is needed.
#include "ValuePlacement.h"
#include "sepnn/Support/Cluster.h"
#include "sepnn/Support/Policy.h"
#include "sepnn/Support/Weights.h"
#include "sepnn/Transforms/Passes.h"

#include "Dist/DistDialect.h"
#include "NN/NNOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/MapVector.h"

#include <map>
#include <numeric>

namespace mlir::sepnn {
#define GEN_PASS_DEF_DISTAPPLYPOLICY
#include "sepnn/Transforms/Passes.h.inc"
} // namespace mlir::sepnn

using namespace mlir;
using namespace mlir::sepnn;

namespace {

/// Device id of a piece that every device can use (a constant).
constexpr int64_t kAnyDevice = -1;

/// Channels [begin, end) of an original value, held by `device` as `value`.
struct Piece {
  int64_t device;
  Value value;
  int64_t begin, end;
};

struct Layout {
  int64_t extent = 1;          // channels (dim 1), or 1 for rank < 2
  SmallVector<Piece> primary;  // a disjoint cover of [0, extent)
};

class PolicyApplier {
public:
  PolicyApplier(func::FuncOp func, const Policy *policy, int64_t numDevices)
      : func(func), policy(policy), numDevices(numDevices),
        builder(func.getContext()) {}

  LogicalResult run();

private:
  // --- layouts --------------------------------------------------------------
  static int64_t channelExtent(Value v) {
    auto type = cast<RankedTensorType>(v.getType());
    return type.getRank() >= 2 ? type.getDimSize(1) : 1;
  }
  Value place(Operation *op, int64_t device) {
    if (device != kAnyDevice)
      dist::setDevice(op, device);
    return op->getResult(0);
  }
  Value slice(Value v, int64_t device, int64_t begin, int64_t end,
              Location loc);
  Value materialize(Value original, int64_t device, int64_t begin,
                    int64_t end, Location loc);
  Value materializeWhole(Value original, int64_t device, Location loc) {
    return materialize(original, device, 0, layouts[original].extent, loc);
  }
  void setWhole(Value original, int64_t device, Value value) {
    layouts[original] = Layout{channelExtent(original),
                               {{device, value, 0, channelExtent(original)}}};
  }

  // --- rewriting -----------------------------------------------------------
  const OpPolicy *policyFor(Operation *op, std::string &name);
  LogicalResult checkDevices(Operation *op, const OpPolicy &entry);
  LogicalResult rewriteOnDevice(Operation *op, int64_t device);
  LogicalResult rewriteFollowingProducer(Operation *op);
  LogicalResult rewriteConvOutChannels(nn::ConvOp conv, const OpPolicy &entry,
                                       ArrayRef<int64_t> begins);
  LogicalResult rewriteGemmOutChannels(nn::GemmOp gemm, const OpPolicy &entry,
                                       ArrayRef<int64_t> begins);
  LogicalResult rewriteOutChannels(Operation *op, const OpPolicy &entry);
  /// Clones `op` onto `operands`; with a channel range, the result keeps
  /// only the part computed from channels [range.first, range.second).
  Operation *
  cloneWithOperands(Operation *op, ArrayRef<Value> operands,
                    std::optional<std::pair<int64_t, int64_t>> range);
  InFlightDiagnostic policyError(Operation *op, const OpPolicy &entry,
                                 StringRef field) {
    std::string file = policy ? policy->file : std::string("default policy");
    return op->emitError() << file << ": " << entry.field
                           << (field.empty() ? "" : ".") << field << ": ";
  }

  func::FuncOp func;
  const Policy *policy;
  int64_t numDevices;
  OpBuilder builder;
  DenseMap<Value, Layout> layouts;
  std::map<std::tuple<void *, int64_t, int64_t, int64_t>, Value> cache;
  std::map<std::tuple<void *, int64_t, int64_t>, Value> slices;
  OpPolicy evenSplit;
};

} // namespace

Value PolicyApplier::slice(Value v, int64_t device, int64_t begin, int64_t end,
                           Location loc) {
  auto type = cast<RankedTensorType>(v.getType());
  // Values without a channel dimension are never cut.
  if (type.getRank() < 2 || (begin == 0 && end == type.getDimSize(1)))
    return v;
  Value &cached = slices[{v.getAsOpaquePointer(), begin, end}];
  if (cached)
    return cached;
  SmallVector<int64_t> shape(type.getShape());
  shape[1] = end - begin;
  auto op = builder.create<nn::SliceOp>(
      loc, RankedTensorType::get(shape, type.getElementType()), v,
      builder.getI64IntegerAttr(1), builder.getI64IntegerAttr(begin),
      builder.getI64IntegerAttr(end), builder.getI64IntegerAttr(1));
  return cached = place(op, device);
}

Value PolicyApplier::materialize(Value original, int64_t device, int64_t begin,
                                 int64_t end, Location loc) {
  Value &cached =
      cache[{original.getAsOpaquePointer(), device, begin, end}];
  if (cached)
    return cached;
  const Layout &layout = layouts[original];
  auto isLocal = [&](const Piece &p) {
    return p.device == device || p.device == kAnyDevice;
  };
  SmallVector<Value> parts;
  for (int64_t pos = begin; pos < end;) {
    // Prefer the piece already on `device`; otherwise take a remote one but
    // stop where a local piece starts, so that nothing local is re-sent.
    const Piece *chosen = nullptr;
    for (const Piece &p : layout.primary)
      if (p.begin <= pos && pos < p.end &&
          (!chosen || (isLocal(p) && !isLocal(*chosen))))
        chosen = &p;
    assert(chosen && "layouts cover their whole extent");
    int64_t stop = std::min(end, chosen->end);
    if (!isLocal(*chosen))
      for (const Piece &p : layout.primary)
        if (isLocal(p) && p.begin > pos)
          stop = std::min(stop, p.begin);
    int64_t holder = chosen->device == kAnyDevice ? device : chosen->device;
    parts.push_back(slice(chosen->value, holder, pos - chosen->begin,
                          stop - chosen->begin, loc));
    pos = stop;
  }
  if (parts.size() == 1)
    return cached = parts[0];
  auto type = cast<RankedTensorType>(original.getType());
  SmallVector<int64_t> shape(type.getShape());
  shape[1] = end - begin;
  auto concat = builder.create<nn::ConcatOp>(
      loc, RankedTensorType::get(shape, type.getElementType()), parts,
      builder.getI64IntegerAttr(1));
  return cached = place(concat, device);
}

const OpPolicy *PolicyApplier::policyFor(Operation *op, std::string &name) {
  name = nodeName(op);
  if (policy) {
    auto it = policy->ops.find(name);
    if (it != policy->ops.end())
      return &it->second;
  }
  if (!isa<nn::ConvOp, nn::GemmOp>(op))
    return nullptr; // follows its producer
  if (policy && policy->defaultPolicy)
    return &*policy->defaultPolicy;
  static const OpPolicy onDeviceZero{Split::Device, {0}, {}, {}, "default"};
  if (policy)
    return &onDeviceZero;
  // Weights computed at run time cannot be sharded ahead of time.
  if (!readF32Constant(op->getOperand(1)))
    return &onDeviceZero;
  // No policy file: split evenly by output channels over every device, in
  // whole groups for a grouped conv (so that no group straddles devices).
  int64_t extent = channelExtent(op->getResult(0));
  int64_t unit = 1;
  if (auto conv = dyn_cast<nn::ConvOp>(op); conv && conv.getGroup() > 1)
    unit = extent / conv.getGroup();
  int64_t units = extent / unit;
  int64_t devices = std::min(numDevices, units);
  evenSplit = OpPolicy{Split::OutChannels, {}, {}, {}, "default"};
  for (int64_t d = 0; d < devices; ++d) {
    evenSplit.devices.push_back(d);
    evenSplit.sizes.push_back((units / devices + (d < units % devices)) * unit);
  }
  return &evenSplit;
}

LogicalResult PolicyApplier::checkDevices(Operation *op,
                                          const OpPolicy &entry) {
  StringRef field = entry.split == Split::Device ? "device" : "devices";
  std::set<int64_t> seen;
  for (int64_t d : entry.devices) {
    if (d >= numDevices)
      return policyError(op, entry, field)
             << "device " << d << " is not in the cluster (" << numDevices
             << " devices)";
    if (!seen.insert(d).second)
      return policyError(op, entry, field) << "device " << d
                                           << " is listed twice";
  }
  return success();
}

Operation *PolicyApplier::cloneWithOperands(
    Operation *op, ArrayRef<Value> operands,
    std::optional<std::pair<int64_t, int64_t>> range) {
  IRMapping mapping;
  for (auto [from, to] : llvm::zip(op->getOperands(), operands))
    mapping.map(from, to);
  Operation *clone = builder.clone(*op, mapping);
  auto type = cast<RankedTensorType>(op->getResult(0).getType());
  if (range) {
    auto [begin, end] = *range;
    SmallVector<int64_t> shape(type.getShape());
    // Flatten maps a channel range of a batch-1 NCHW input to a contiguous
    // feature range; every other channel-wise op keeps the channel count.
    int64_t inner = 1;
    if (auto flatten = dyn_cast<nn::FlattenOp>(op)) {
      auto in = cast<RankedTensorType>(flatten.getInput().getType());
      for (int64_t d = 2; d < in.getRank(); ++d)
        inner *= in.getDimSize(d);
    }
    shape[1] = (end - begin) * inner;
    clone->getResult(0).setType(
        RankedTensorType::get(shape, type.getElementType()));
  }
  return clone;
}

LogicalResult PolicyApplier::rewriteOnDevice(Operation *op, int64_t device) {
  SmallVector<Value> operands;
  for (Value v : op->getOperands())
    operands.push_back(materializeWhole(v, device, op->getLoc()));
  Operation *clone = cloneWithOperands(op, operands, std::nullopt);
  setWhole(op->getResult(0), device, place(clone, device));
  return success();
}

/// Per-channel parameters that must be cut along with a channel slice.
static bool isPerChannelParameter(Operation *op, unsigned operandIndex) {
  return isa<nn::BatchNormOp>(op) && operandIndex > 0;
}

LogicalResult PolicyApplier::rewriteFollowingProducer(Operation *op) {
  Value first = op->getOperand(0);
  const Layout &in = layouts[first];
  // Ops that compute each channel from the same channel of their inputs run
  // on every slice where it lives, with no transfer.
  bool channelWise =
      isa<nn::ReluOp, nn::LeakyReluOp, nn::ClipOp, nn::SigmoidOp,
          nn::HardSigmoidOp, nn::HardSwishOp, nn::TanhOp, nn::MaxPoolOp,
          nn::AveragePoolOp, nn::GlobalAveragePoolOp, nn::GlobalMaxPoolOp,
          nn::BatchNormOp>(op);
  if (isa<nn::AddOp, nn::SubOp, nn::MulOp, nn::DivOp>(op)) {
    // The right operand broadcasts into the left one (a residual, or an SE
    // block's per-channel scale) along aligned dimensions.
    auto lhs = cast<RankedTensorType>(op->getOperand(0).getType());
    auto rhs = cast<RankedTensorType>(op->getOperand(1).getType());
    channelWise = op->getResult(0).getType() == lhs &&
                  lhs.getRank() == rhs.getRank() && lhs.getRank() >= 2;
  }
  if (auto flatten = dyn_cast<nn::FlattenOp>(op)) {
    auto type = cast<RankedTensorType>(first.getType());
    channelWise = flatten.getAxis() == 1 && type.getDimSize(0) == 1;
  }
  if (auto bn = dyn_cast<nn::BatchNormOp>(op))
    for (Value p : {bn.getScale(), bn.getBias(), bn.getMean(),
                    bn.getVariance()})
      channelWise &= readF32Constant(p).has_value();
  int64_t firstDevice = in.primary.front().device;
  if (!channelWise || in.primary.size() == 1)
    return rewriteOnDevice(op, firstDevice == kAnyDevice ? 0 : firstDevice);

  Layout out{channelExtent(op->getResult(0)), {}};
  int64_t scale = out.extent / in.extent;
  for (Piece piece : SmallVector<Piece>(in.primary)) {
    SmallVector<Value> operands;
    for (auto [i, v] : llvm::enumerate(op->getOperands())) {
      if (isPerChannelParameter(op, i)) {
        std::vector<float> all = *readF32Constant(v);
        operands.push_back(createF32Constant(
            builder, v.getLoc(), {piece.end - piece.begin},
            sliceDim0(all, {(int64_t)all.size()}, piece.begin, piece.end),
            "param_slice"));
      } else if (channelExtent(v) == in.extent) {
        operands.push_back(materialize(v, piece.device, piece.begin,
                                       piece.end, op->getLoc()));
      } else {
        // Broadcast along channels (extent 1): every slice needs all of it.
        operands.push_back(materializeWhole(v, piece.device, op->getLoc()));
      }
    }
    Operation *clone = cloneWithOperands(
        op, operands, std::make_pair(piece.begin, piece.end));
    out.primary.push_back({piece.device, place(clone, piece.device),
                           piece.begin * scale, piece.end * scale});
  }
  layouts[op->getResult(0)] = out;
  return success();
}

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
  Layout out{wShape[0], {}};
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
                                sliceDim0(*weight, wShape, begin, end),
                                "weight_shard");
    Value b;
    if (bias)
      b = createF32Constant(builder, conv.getBias().getLoc(), {end - begin},
                            sliceDim0(*bias, {wShape[0]}, begin, end),
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
  Layout out{n, {}};
  for (auto [i, device] : llvm::enumerate(entry.devices)) {
    int64_t begin = begins[i], end = begins[i] + entry.sizes[i];
    Location loc = gemm.getLoc();
    Value a = materializeWhole(gemm.getA(), device, loc);
    SmallVector<int64_t> bShape(bType.getShape());
    std::vector<float> bSlice;
    if (gemm.getTransB()) {
      bShape[0] = end - begin;
      bSlice = sliceDim0(*bValues, bType.getShape(), begin, end);
    } else {
      bShape[1] = end - begin;
      bSlice = sliceDim1Of2D(*bValues, bType.getShape(), begin, end);
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
                              sliceDim0(*cValues, cShape, begin, end),
                              "bias_shard");
      } else {
        c = createF32Constant(builder, gemm.getC().getLoc(),
                              {cShape[0], end - begin},
                              sliceDim1Of2D(*cValues, cShape, begin, end),
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
  int64_t extent = channelExtent(op->getResult(0));
  int64_t total = std::accumulate(entry.sizes.begin(), entry.sizes.end(),
                                  int64_t(0));
  if (total != extent)
    return policyError(op, entry, "sizes")
           << "sizes sum to " << total << " but node '" << nodeName(op)
           << "' has " << extent << " output channels";
  SmallVector<int64_t> begins;
  for (int64_t i = 0, pos = 0; i < (int64_t)entry.sizes.size(); ++i) {
    begins.push_back(pos);
    pos += entry.sizes[i];
  }
  if (auto conv = dyn_cast<nn::ConvOp>(op))
    return rewriteConvOutChannels(conv, entry, begins);
  return rewriteGemmOutChannels(cast<nn::GemmOp>(op), entry, begins);
}

LogicalResult PolicyApplier::run() {
  Block &body = func.getBody().front();
  for (BlockArgument arg : body.getArguments())
    setWhole(arg, 0, arg);

  SmallVector<Operation *> originals;
  for (Operation &op : body)
    originals.push_back(&op);

  for (Operation *op : originals) {
    builder.setInsertionPoint(op);
    if (isFreeToReplicate(op)) {
      setWhole(op->getResult(0), kAnyDevice, op->getResult(0));
      continue;
    }
    if (auto ret = dyn_cast<func::ReturnOp>(op)) {
      // Model outputs are assembled on device 0, which also holds the inputs.
      for (OpOperand &operand : ret->getOpOperands())
        operand.set(materializeWhole(operand.get(), 0, ret.getLoc()));
      continue;
    }
    if (op->getNumResults() != 1 || op->getNumRegions() != 0)
      return op->emitError("cannot place op '") << op->getName() << "'";
    std::string name;
    const OpPolicy *entry = policyFor(op, name);
    if (!entry) {
      if (failed(rewriteFollowingProducer(op)))
        return failure();
      continue;
    }
    if (failed(checkDevices(op, *entry)))
      return failure();
    LogicalResult result = failure();
    switch (entry->split) {
    case Split::Device:
      result = rewriteOnDevice(op, entry->devices.front());
      break;
    case Split::OutChannels:
      result = rewriteOutChannels(op, *entry);
      break;
    default:
      return policyError(op, *entry, "split")
             << "strategy '" << splitName(entry->split)
             << "' is not supported yet (supported: out_channels, device)";
    }
    if (failed(result))
      return failure();
  }

  // Erase the unplaced originals, users first.
  for (Operation *op : llvm::reverse(originals)) {
    if (isa<func::ReturnOp>(op) || isFreeToReplicate(op))
      continue;
    op->dropAllUses();
    op->erase();
  }
  return success();
}

namespace {
struct DistApplyPolicyPass
    : sepnn::impl::DistApplyPolicyBase<DistApplyPolicyPass> {
  using DistApplyPolicyBase::DistApplyPolicyBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();

    std::optional<Policy> policy;
    if (!policyFile.empty()) {
      llvm::Expected<Policy> parsed = readPolicyFile(policyFile);
      if (!parsed) {
        module.emitError(llvm::toString(parsed.takeError()));
        return signalPassFailure();
      }
      policy = std::move(*parsed);
    }

    SmallVector<Attribute> names;
    int64_t devices = numDevices;
    if (!clusterFile.empty()) {
      llvm::Expected<Cluster> cluster = readClusterFile(clusterFile);
      if (!cluster) {
        module.emitError(llvm::toString(cluster.takeError()));
        return signalPassFailure();
      }
      devices = cluster->devices.size();
      for (const ClusterDevice &d : cluster->devices)
        names.push_back(StringAttr::get(ctx, d.name));
    } else if (auto existing = dist::getCluster(module)) {
      devices = existing.getDevices();
      if (existing.getNames())
        names.assign(existing.getNames().begin(), existing.getNames().end());
    }
    if (devices <= 0) {
      module.emitError("dist-apply-policy needs a cluster: pass cluster=FILE "
                       "or devices=N");
      return signalPassFailure();
    }
    module->setAttr(dist::DistDialect::kClusterAttrName,
                    dist::ClusterAttr::get(
                        ctx, devices,
                        names.empty() ? ArrayAttr() : ArrayAttr::get(ctx, names)));

    auto funcs = llvm::to_vector(module.getOps<func::FuncOp>());
    if (funcs.size() != 1) {
      module.emitError("expected exactly one function (the model), found ")
          << funcs.size();
      return signalPassFailure();
    }
    func::FuncOp model = funcs.front();

    if (policy) {
      // Every entry must name a node: a typo must not silently do nothing.
      std::set<std::string> known;
      model.walk([&](Operation *op) { known.insert(nodeName(op)); });
      for (const auto &[name, entry] : policy->ops)
        if (!known.count(name)) {
          module.emitError() << policy->file << ": " << entry.field
                             << ": no node named '" << name
                             << "' in the model";
          return signalPassFailure();
        }
    }

    PolicyApplier applier(model, policy ? &*policy : nullptr, devices);
    if (failed(applier.run()))
      signalPassFailure();
  }
};
} // namespace
