// Layouts, materialization and the op-by-op walk of the policy applier.
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
  // A cut of a value travels the way the value does.
  if (Operation *def = v.getDefiningOp())
    if (Attribute dtype =
            def->getAttr(dist::DistDialect::kTransmitAttrName))
      op->setAttr(dist::DistDialect::kTransmitAttrName, dtype);
  return cached = place(op, device);
}

void PolicyApplier::markTransmitDtype(Value original, StringRef dtype) {
  const Layout &layout = layouts[original];
  for (const Piece &p : llvm::concat<const Piece>(layout.primary,
                                                  layout.replicas))
    if (Operation *def = p.value.getDefiningOp();
        def && !isFreeToReplicate(def))
      def->setAttr(dist::DistDialect::kTransmitAttrName,
                   builder.getStringAttr(dtype));
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
  SmallVector<Piece> pieces(layout.primary);
  pieces.append(layout.replicas);
  SmallVector<Value> parts;
  for (int64_t pos = begin; pos < end;) {
    // Prefer the piece already on `device`; otherwise take a remote one but
    // stop where a local piece starts, so that nothing local is re-sent.
    const Piece *chosen = nullptr;
    for (const Piece &p : pieces)
      if (p.begin <= pos && pos < p.end &&
          (!chosen || (isLocal(p) && !isLocal(*chosen))))
        chosen = &p;
    assert(chosen && "layouts cover their whole extent");
    int64_t stop = std::min(end, chosen->end);
    if (!isLocal(*chosen))
      for (const Piece &p : pieces)
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
  // Weights computed at run time cannot be sharded ahead of time.
  if (!readF32Constant(op->getOperand(1)))
    return &onDeviceZero;
  // No entry and no default: split evenly by output channels over every
  // device, in whole groups for a grouped conv (so that no group straddles
  // devices).
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

LogicalResult PolicyApplier::rewriteReplicate(Operation *op,
                                             const OpPolicy &entry) {
  return rewriteOnDevices(op, entry.devices);
}

FailureOr<SmallVector<int64_t>>
PolicyApplier::rangeBegins(Operation *op, const OpPolicy &entry,
                           int64_t extent, StringRef what) {
  int64_t total = std::accumulate(entry.sizes.begin(), entry.sizes.end(),
                                  int64_t(0));
  if (total != extent)
    return policyError(op, entry, "sizes")
           << "sizes sum to " << total << " but node '" << nodeName(op)
           << "' has " << extent << " " << what;
  SmallVector<int64_t> begins;
  for (int64_t i = 0, pos = 0; i < (int64_t)entry.sizes.size(); ++i) {
    begins.push_back(pos);
    pos += entry.sizes[i];
  }
  return begins;
}

LogicalResult PolicyApplier::rewriteOnDevices(Operation *op,
                                             ArrayRef<int64_t> devices) {
  Layout out{channelExtent(op->getResult(0)), {}, {}};
  for (int64_t device : devices) {
    SmallVector<Value> operands;
    for (Value v : op->getOperands())
      operands.push_back(materializeWhole(v, device, op->getLoc()));
    Operation *clone = cloneWithOperands(op, operands, std::nullopt);
    Piece whole{device, place(clone, device), 0, out.extent};
    // The first device's copy is the primary; the others are replicas.
    (out.primary.empty() ? out.primary : out.replicas).push_back(whole);
  }
  layouts[op->getResult(0)] = out;
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
    return rewriteOnDevices(op, firstDevice == kAnyDevice ? 0 : firstDevice);

  Layout out{channelExtent(op->getResult(0)), {}, {}};
  int64_t scale = out.extent / in.extent;
  for (Piece piece : SmallVector<Piece>(in.primary)) {
    SmallVector<Value> operands;
    for (auto [i, v] : llvm::enumerate(op->getOperands())) {
      if (isPerChannelParameter(op, i)) {
        std::vector<float> all = *readF32Constant(v);
        operands.push_back(createF32Constant(
            builder, v.getLoc(), {piece.end - piece.begin},
            sliceDim(all, {(int64_t)all.size()}, 0, piece.begin, piece.end),
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
      result = rewriteOnDevices(op, entry->devices.front());
      break;
    case Split::OutChannels:
      result = rewriteOutChannels(op, *entry);
      break;
    case Split::InChannels:
      result = rewriteInChannels(op, *entry);
      break;
    case Split::Replicate:
      result = rewriteReplicate(op, *entry);
      break;
    default:
      return policyError(op, *entry, "split")
             << "strategy '" << splitName(entry->split)
             << "' is not supported yet (supported: out_channels, "
                "in_channels, device, replicate)";
    }
    if (failed(result))
      return failure();
    if (entry->transmitDtype)
      markTransmitDtype(op->getResult(0), *entry->transmitDtype);
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

