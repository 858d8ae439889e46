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

Value PolicyApplier::slice(Value v, int64_t device, int64_t axis,
                           int64_t begin, int64_t end, Location loc) {
  auto type = cast<RankedTensorType>(v.getType());
  // Values without the dimension are never cut.
  if (type.getRank() <= axis ||
      (begin == 0 && end == type.getDimSize(axis)))
    return v;
  Value &cached = slices[{v.getAsOpaquePointer(), axis, begin, end}];
  if (cached)
    return cached;
  SmallVector<int64_t> shape(type.getShape());
  shape[axis] = end - begin;
  // Cut where the value is produced, not where it is consumed: the send that
  // dist-partition puts right after the cut then leaves as soon as the data
  // exists, and the holder does not finish other work first (with halos, a
  // late cut would make neighbours wait for each other layer by layer).
  OpBuilder::InsertionGuard guard(builder);
  if (Operation *after = lastCut.lookup(v))
    builder.setInsertionPointAfter(after);
  else if (Operation *def = v.getDefiningOp())
    builder.setInsertionPointAfter(def);
  else
    builder.setInsertionPointToStart(cast<BlockArgument>(v).getOwner());
  auto op = builder.create<nn::SliceOp>(
      loc, RankedTensorType::get(shape, type.getElementType()), v,
      builder.getI64IntegerAttr(axis), builder.getI64IntegerAttr(begin),
      builder.getI64IntegerAttr(end), builder.getI64IntegerAttr(1));
  // A cut of a value travels the way the value does.
  if (Operation *def = v.getDefiningOp())
    if (Attribute dtype =
            def->getAttr(dist::DistDialect::kTransmitAttrName))
      op->setAttr(dist::DistDialect::kTransmitAttrName, dtype);
  lastCut[v] = op; // the next cut of `v` goes after this one, in order
  return cached = place(op, device);
}

void PolicyApplier::markTransmitDtype(Value original, StringRef dtype) {
  if (auto it = lazy.find(original); it != lazy.end()) {
    it->second.transmitDtype = dtype.str(); // applied once it is computed
    return;
  }
  const Layout &layout = layouts[original];
  for (const Piece &p : llvm::concat<const Piece>(layout.primary,
                                                  layout.replicas))
    if (Operation *def = p.value.getDefiningOp();
        def && !isFreeToReplicate(def))
      def->setAttr(dist::DistDialect::kTransmitAttrName,
                   builder.getStringAttr(dtype));
}

Value PolicyApplier::materialize(Value original, int64_t device, int64_t begin,
                                 int64_t end, Location loc, int64_t axis) {
  Value &cached =
      cache[{original.getAsOpaquePointer(), device, axis, begin, end}];
  if (cached)
    return cached;
  if (auto it = lazy.find(original); it != lazy.end() && axis == kRowAxis) {
    // Fused tiles: a device with a band of a lazy value computes the rows it
    // needs itself, unless it needs the whole of it (then the bands are
    // computed where they belong and joined as usual).
    const LazyRows &lz = it->second;
    bool whole = begin == 0 && end == extentOf(original, kRowAxis);
    if (!whole && llvm::is_contained(lz.devices, device))
      return cached = computeRows(lz.op, device, begin, end);
  }
  const Layout &layout = layoutOf(original);
  auto isLocal = [&](const Piece &p) {
    return p.device == device || p.device == kAnyDevice;
  };
  // Walk the layout's axis: over the request when it is along that axis,
  // otherwise over all of it, cutting each part to the request.
  bool along = axis == layout.axis;
  int64_t walkBegin = along ? begin : 0;
  int64_t walkEnd = along ? end : layout.extent;
  SmallVector<Piece> pieces(layout.primary);
  pieces.append(layout.replicas);
  SmallVector<Value> parts;
  for (int64_t pos = walkBegin; pos < walkEnd;) {
    // Prefer the piece already on `device`; otherwise take a remote one but
    // stop where a local piece starts, so that nothing local is re-sent.
    const Piece *chosen = nullptr;
    for (const Piece &p : pieces)
      if (p.begin <= pos && pos < p.end &&
          (!chosen || (isLocal(p) && !isLocal(*chosen))))
        chosen = &p;
    assert(chosen && "layouts cover their whole extent");
    int64_t stop = std::min(walkEnd, chosen->end);
    if (!isLocal(*chosen))
      for (const Piece &p : pieces)
        if (isLocal(p) && p.begin > pos)
          stop = std::min(stop, p.begin);
    int64_t holder = chosen->device == kAnyDevice ? device : chosen->device;
    Value part = chosen->value;
    if (!along)
      part = slice(part, holder, axis, begin, end, loc);
    parts.push_back(slice(part, holder, layout.axis, pos - chosen->begin,
                          stop - chosen->begin, loc));
    pos = stop;
  }
  if (parts.size() == 1)
    return cached = parts[0];
  auto type = cast<RankedTensorType>(original.getType());
  SmallVector<int64_t> shape(type.getShape());
  shape[axis] = end - begin;
  auto concat = builder.create<nn::ConcatOp>(
      loc, RankedTensorType::get(shape, type.getElementType()), parts,
      builder.getI64IntegerAttr(layout.axis));
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
  evenSplit = defaultSplit(op, numDevices);
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
    std::optional<std::tuple<int64_t, int64_t, int64_t>> range) {
  IRMapping mapping;
  for (auto [from, to] : llvm::zip(op->getOperands(), operands))
    mapping.map(from, to);
  Operation *clone = builder.clone(*op, mapping);
  auto type = cast<RankedTensorType>(op->getResult(0).getType());
  if (range) {
    auto [axis, begin, end] = *range;
    SmallVector<int64_t> shape(type.getShape());
    // Flatten maps a channel range of a batch-1 NCHW input to a contiguous
    // feature range; every other op keeps the size of the range.
    int64_t inner = 1;
    if (auto flatten = dyn_cast<nn::FlattenOp>(op)) {
      auto in = cast<RankedTensorType>(flatten.getInput().getType());
      for (int64_t d = 2; d < in.getRank(); ++d)
        inner *= in.getDimSize(d);
    }
    shape[axis] = (end - begin) * inner;
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
                           ArrayRef<int64_t> sizes, int64_t extent,
                           StringRef field, StringRef what) {
  int64_t total = std::accumulate(sizes.begin(), sizes.end(), int64_t(0));
  if (total != extent)
    return policyError(op, entry, field)
           << field << " sum to " << total << " but node '" << nodeName(op)
           << "' has " << extent << " " << what;
  SmallVector<int64_t> begins;
  for (int64_t i = 0, pos = 0; i < (int64_t)sizes.size(); ++i) {
    begins.push_back(pos);
    pos += sizes[i];
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

const Layout &PolicyApplier::layoutOf(Value original) {
  auto it = lazy.find(original);
  if (it == lazy.end())
    return layouts[original];
  LazyRows lz = it->second;
  lazy.erase(it);
  Layout out{extentOf(original, kRowAxis), {}, {}, kRowAxis};
  for (auto [device, band] : llvm::zip(lz.devices, lz.bands))
    if (band.first < band.second)
      out.primary.push_back(
          {device, computeRows(lz.op, device, band.first, band.second),
           band.first, band.second});
  layouts[original] = out;
  if (lz.transmitDtype)
    markTransmitDtype(original, *lz.transmitDtype);
  return layouts[original];
}

LogicalResult PolicyApplier::rewriteFollowingProducer(Operation *op) {
  if (auto concat = dyn_cast<nn::ConcatOp>(op))
    return rewriteConcat(concat);
  Value first = op->getOperand(0);
  if (auto it = lazy.find(first); it != lazy.end()) {
    // Ops along rows after a fused-tile op are part of the fused stack.
    LazyRows lz = it->second;
    if (isa<nn::MaxPoolOp, nn::AveragePoolOp>(op))
      return rewriteRowBands(
          op, lz.devices,
          proportionalBands(lz.bands, extentOf(first, kRowAxis),
                            extentOf(op->getResult(0), kRowAxis)),
          /*recompute=*/true);
    if (followsPieces(op, kRowAxis)) {
      lazy[op->getResult(0)] = LazyRows{op, lz.devices, lz.bands, {}};
      return success();
    }
  }
  // A copy: computing lazy operands below may grow `layouts`.
  Layout in = layoutOf(first);
  int64_t firstDevice = in.primary.front().device;
  if (firstDevice == kAnyDevice)
    firstDevice = 0;
  if (in.primary.size() > 1 && in.axis == kRowAxis &&
      isa<nn::MaxPoolOp, nn::AveragePoolOp>(op)) {
    SmallVector<int64_t> devices;
    RowBands inputBands;
    for (const Piece &p : in.primary) {
      devices.push_back(p.device);
      inputBands.push_back({p.begin, p.end});
    }
    return rewriteRowBands(
        op, devices,
        proportionalBands(inputBands, in.extent,
                          extentOf(op->getResult(0), kRowAxis)),
        /*recompute=*/false);
  }
  if (in.primary.size() == 1 || !followsPieces(op, in.axis))
    return rewriteOnDevices(op, firstDevice);

  Layout out{extentOf(op->getResult(0), in.axis), {}, {}, in.axis};
  int64_t scale = out.extent / in.extent;
  for (const Piece &piece : in.primary) {
    SmallVector<Value> operands;
    for (auto [i, v] : llvm::enumerate(op->getOperands())) {
      if (isPerChannelParameter(op, i)) {
        std::vector<float> all = *readF32Constant(v);
        operands.push_back(
            in.axis != kChannelAxis
                ? v
                : createF32Constant(builder, v.getLoc(),
                                    {piece.end - piece.begin},
                                    sliceDim(all, {(int64_t)all.size()}, 0,
                                             piece.begin, piece.end),
                                    "param_slice"));
      } else if (extentOf(v, in.axis) == in.extent) {
        operands.push_back(materialize(v, piece.device, piece.begin,
                                       piece.end, op->getLoc(), in.axis));
      } else {
        // Broadcast along the axis (extent 1): every piece needs all of it.
        operands.push_back(materializeWhole(v, piece.device, op->getLoc()));
      }
    }
    Operation *clone = cloneWithOperands(
        op, operands, std::make_tuple(in.axis, piece.begin, piece.end));
    out.primary.push_back({piece.device, place(clone, piece.device),
                           piece.begin * scale, piece.end * scale});
  }
  layouts[op->getResult(0)] = out;
  return success();
}

LogicalResult PolicyApplier::rewriteConcat(nn::ConcatOp concat) {
  int64_t axis = concat.getAxis();
  // Copies: computing lazy operands may grow `layouts`.
  Layout first = layoutOf(concat.getOperand(0));
  int64_t firstDevice =
      first.primary.front().device == kAnyDevice ? 0
                                                 : first.primary.front().device;
  bool split = llvm::any_of(concat.getOperands(), [&](Value v) {
    return layoutOf(v).primary.size() > 1;
  });
  if (!split || (axis != kChannelAxis && axis != kRowAxis))
    return rewriteOnDevices(concat, firstDevice);

  Layout out{extentOf(concat.getResult(), first.axis), {}, {}, first.axis};
  if (first.axis == axis) {
    // Joining along the split axis: the output's pieces are the inputs'
    // pieces, shifted; nothing is computed or moved.
    int64_t offset = 0;
    for (Value v : concat.getOperands()) {
      Layout in = layoutOf(v);
      if (in.axis != axis)
        return rewriteOnDevices(concat, firstDevice);
      for (const Piece &p : in.primary)
        out.primary.push_back({p.device == kAnyDevice ? firstDevice : p.device,
                               p.value, p.begin + offset, p.end + offset});
      offset += in.extent;
    }
    layouts[concat.getResult()] = out;
    return success();
  }
  // Joining along another axis: each piece of the first input is joined with
  // the same range of the others, where it lives.
  for (const Piece &piece : first.primary) {
    SmallVector<Value> operands;
    for (Value v : concat.getOperands())
      operands.push_back(materialize(v, piece.device, piece.begin, piece.end,
                                     concat.getLoc(), first.axis));
    Operation *clone = cloneWithOperands(
        concat, operands, std::make_tuple(first.axis, piece.begin, piece.end));
    out.primary.push_back(
        {piece.device, place(clone, piece.device), piece.begin, piece.end});
  }
  layouts[concat.getResult()] = out;
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
    case Split::Rows:
      result = rewriteRows(op, *entry);
      break;
    }
    if (failed(result))
      return failure();
    if (entry->transmitDtype)
      markTransmitDtype(op->getResult(0), *entry->transmitDtype);
  }

  if (failedOnDemand)
    return failure();
  // Erase the unplaced originals, users first.
  for (Operation *op : llvm::reverse(originals)) {
    if (isa<func::ReturnOp>(op) || isFreeToReplicate(op))
      continue;
    op->dropAllUses();
    op->erase();
  }
  return success();
}

