#include "LayoutSim.h"
#include "sepnn/Conversion/RuntimeCall.h"
#include "sepnn/Support/Weights.h"
#include "sepnn/Transforms/LayoutRules.h"

#include "NN/NNOps.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>
#include <functional>

using namespace mlir;
using namespace mlir::sepnn;

static int64_t extentOf(Value v, int64_t axis) {
  auto type = cast<RankedTensorType>(v.getType());
  return type.getRank() > axis ? type.getDimSize(axis) : 1;
}

static int64_t numelOf(Value v) {
  int64_t n = 1;
  for (int64_t d : cast<RankedTensorType>(v.getType()).getShape())
    n *= d;
  return n;
}

LayoutSim::LayoutSim(func::FuncOp f, const Cluster &cluster)
    : model(cluster), k((int64_t)cluster.devices.size()) {
  Block &body = f.getBody().front();
  for (BlockArgument a : body.getArguments())
    arguments.push_back(a);
  for (Operation &op : body) {
    position[&op] = order.size();
    order.push_back(&op);
  }
  for (Operation *op : order)
    for (Value v : op->getOperands())
      lastUse[v] = position[op];
}

bool LayoutSim::isDecision(Operation *op) {
  return isa<nn::ConvOp, nn::GemmOp>(op) &&
         isF32Constant(op->getOperand(1));
}

SimLayout LayoutSim::whole(Value v, int64_t device) const {
  SimLayout l;
  l.pieces.push_back({device, 0, extentOf(v, kChannelAxis)});
  return l;
}

SimState LayoutSim::initialState() const {
  SimState s;
  s.linkBytes.assign(k * k, 0);
  s.computeSeconds.assign(k, 0);
  s.weightBytes.assign(k, 0);
  s.liveBytes.assign(k, 0);
  s.peakBytes.assign(k, 0);
  s.gatherCompute.assign(k, 0);
  s.clock.assign(k, 0);
  s.sendFree.assign(k, 0);
  s.recvFree.assign(k, 0);
  for (Value a : arguments) {
    s.layouts[a] = whole(a, 0); // model inputs arrive on device 0, at once
    s.layouts[a].pieces.front().ready = 0;
    s.layouts[a].wire = defaultWire;
  }
  return s;
}

const SimLayout &LayoutSim::layoutOf(const SimState &state, Value v) const {
  static const SimLayout everywhere{kChannelAxis, true, {}};
  auto it = state.layouts.find(v);
  return it == state.layouts.end() ? everywhere : it->second;
}

void LayoutSim::transfer(SimState &state, std::vector<int64_t> &xfer,
                         int64_t from, int64_t to, int64_t bytes, double ready,
                         bool afterCompute) const {
  xfer[from * k + to] += bytes;
  TimedTransfer t;
  t.from = from;
  t.to = to;
  t.bytes = bytes;
  t.ready = ready;
  (afterCompute ? state.resultTransfers : state.inputTransfers).push_back(t);
}

void LayoutSim::need(SimState &state, std::vector<int64_t> &xfer, Value v,
                     int64_t device, int64_t axis, int64_t begin,
                     int64_t end) const {
  auto it = state.layouts.find(v);
  if (it == state.layouts.end() || begin >= end)
    return;
  SimLayout &l = it->second;
  if (l.everywhere || llvm::is_contained(l.replicas, device))
    return;
  int64_t along = extentOf(v, axis);
  if (l.lazyOp) {
    // A device of the stack computes the rows it needs itself; anything else
    // (the whole value, another axis) has every band computed where it
    // belongs, then travels as usual.
    bool whole = axis != kRowAxis || (begin == 0 && end == along);
    bool member = llvm::any_of(
        l.pieces, [&](const SimPiece &p) { return p.device == device; });
    if (!whole && member)
      return computeRows(state, xfer, v, device, begin, end);
    SmallVector<SimPiece, 4> bands(l.pieces);
    for (const SimPiece &p : bands)
      computeRows(state, xfer, v, p.device, p.begin, p.end);
    // Each band leaves once its holder has computed it, in this op.
    for (SimPiece &p : l.pieces)
      p.ready = state.clock[p.device] + state.gatherCompute[p.device];
    l.lazyOp = nullptr; // materialized: from now on it travels like any value
  }
  // The pieces the request is made of, and whether any travels now: then
  // the device joins them (PolicyApplier::materialize's Concat; later
  // requests of the same range reuse it, as they find nothing to send).
  int64_t parts = 0;
  bool sends = false;
  for (auto [index, p] : llvm::enumerate(l.pieces)) {
    if (l.axis != axis || (p.begin < end && begin < p.end))
      ++parts;
    if (p.device == device)
      continue; // local
    // The cut of the piece that travels (what dist-apply-policy slices).
    int64_t otherBegin = 0, otherEnd = 0, lo = p.begin, hi = p.end;
    if (l.axis == axis) {
      lo = std::max(begin, p.begin);
      hi = std::min(end, p.end);
      if (lo >= hi)
        continue;
    } else if (begin != 0 || end != along) {
      otherBegin = begin;
      otherEnd = end;
    }
    if (!l.sent.insert({(int64_t)index, otherBegin, otherEnd, lo, hi, device})
             .second)
      continue; // already there
    // The cut's shape, for its bytes on the wire (int8 adds a scale per
    // channel of the cut).
    SmallVector<int64_t> shape(cast<RankedTensorType>(v.getType()).getShape());
    if ((int64_t)shape.size() > l.axis)
      shape[l.axis] = hi - lo;
    if (otherEnd > otherBegin)
      shape[axis] = otherEnd - otherBegin;
    transfer(state, xfer, p.device, device,
             transferBytes(shape, l.wire.empty()
                                      ? std::nullopt
                                      : std::optional<StringRef>(l.wire)),
             p.ready, /*afterCompute=*/false);
    sends = true;
  }
  if (sends && parts > 1)
    state.gatherCompute[device] +=
        model.joinSeconds(device, double(numelOf(v)) / along * (end - begin));
}

void LayoutSim::computeRows(SimState &state, std::vector<int64_t> &xfer,
                            Value v, int64_t device, int64_t begin,
                            int64_t end) const {
  SimLayout &l = state.layouts.find(v)->second;
  // Rows inside a range already computed on this device are cut from it, as
  // PolicyApplier::computeRows does.
  for (const auto &c : l.computed)
    if (c[0] == device && c[1] <= begin && end <= c[2])
      return;
  l.computed.insert({device, begin, end});
  Operation *op = l.lazyOp;
  state.gatherCompute[device] +=
      model.shareSeconds(device, op, OpShare{-1, end - begin, -1});
  if (std::optional<RowWindow> w = rowWindow(op)) {
    Value in = op->getOperand(0);
    BandInput band = bandInput(*w, begin, end, extentOf(in, kRowAxis),
                               extentOf(v, kRowAxis));
    return need(state, xfer, in, device, kRowAxis, band.lo, band.hi);
  }
  // Along rows (elementwise): the same rows of each input of the same height.
  for (auto [i, operand] : llvm::enumerate(op->getOperands())) {
    if (isPerChannelParameter(op, i))
      continue;
    if (extentOf(operand, kRowAxis) == extentOf(v, kRowAxis))
      need(state, xfer, operand, device, kRowAxis, begin, end);
    else
      needWhole(state, xfer, operand, device);
  }
}

void LayoutSim::makeLazy(SimLayout &out, Operation *op,
                         ArrayRef<int64_t> devices,
                         ArrayRef<std::pair<int64_t, int64_t>> bands) {
  out.axis = kRowAxis;
  out.lazyOp = op;
  for (auto [d, band] : llvm::zip(devices, bands))
    if (band.first < band.second)
      out.pieces.push_back({d, band.first, band.second});
}

void LayoutSim::needWhole(SimState &state, std::vector<int64_t> &xfer,
                          Value v, int64_t device) const {
  need(state, xfer, v, device, kChannelAxis, 0, extentOf(v, kChannelAxis));
}

/// Splits [0, extent) into `sizes`, in order.
static SmallVector<std::pair<int64_t, int64_t>>
rangesOf(ArrayRef<int64_t> sizes) {
  SmallVector<std::pair<int64_t, int64_t>> out;
  int64_t pos = 0;
  for (int64_t s : sizes) {
    out.push_back({pos, pos + s});
    pos += s;
  }
  return out;
}

void LayoutSim::stepDecision(SimState &state, Operation *op,
                             const OpPolicy &choice, std::vector<int64_t> &xfer,
                             std::vector<double> &comp, SimLayout &out) const {
  Value in = op->getOperand(0), result = op->getResult(0);
  int64_t weights = 0;
  for (Value w : op->getOperands())
    if (Operation *def = w.getDefiningOp();
        def && def->hasTrait<OpTrait::ConstantLike>())
      weights += numelOf(w) * 4;
  auto compute = [&](int64_t d, const OpShare &share) {
    comp[d] += model.shareSeconds(d, op, share);
  };
  auto conv = dyn_cast<nn::ConvOp>(op);
  switch (choice.split) {
  case Split::Device:
  case Split::Replicate: {
    // The whole op on each device; the first copy is the one others use.
    for (int64_t d : choice.devices) {
      for (Value v : op->getOperands())
        needWhole(state, xfer, v, d);
      compute(d, OpShare{});
      state.weightBytes[d] += weights;
    }
    out = whole(result, choice.devices.front());
    if (choice.split == Split::Replicate)
      out.replicas.assign(choice.devices.begin() + 1, choice.devices.end());
    return;
  }
  case Split::OutChannels: {
    int64_t channels = extentOf(result, kChannelAxis);
    int64_t group = conv ? conv.getGroup() : 1;
    int64_t perGroupOut = channels / group;
    int64_t perGroupIn =
        conv ? cast<RankedTensorType>(conv.getWeight().getType()).getDimSize(1)
             : 0;
    for (auto [d, range] : llvm::zip(choice.devices, rangesOf(choice.sizes))) {
      auto [begin, end] = range;
      if (group > 1)
        need(state, xfer, in, d, kChannelAxis, begin / perGroupOut * perGroupIn,
             end / perGroupOut * perGroupIn);
      else
        needWhole(state, xfer, in, d);
      double fraction = double(end - begin) / channels;
      compute(d, OpShare{end - begin, -1, -1});
      state.weightBytes[d] += int64_t(weights * fraction);
      out.pieces.push_back({d, begin, end});
    }
    out.axis = kChannelAxis;
    return;
  }
  case Split::Rows: {
    RowWindow w = *rowWindow(op);
    int64_t inRows = extentOf(in, kRowAxis), outRows = extentOf(result, kRowAxis);
    if (choice.recomputeHalo) {
      for (int64_t d : choice.devices)
        state.weightBytes[d] += weights;
      SmallVector<std::pair<int64_t, int64_t>> bands = rangesOf(choice.sizes);
      return makeLazy(out, op, choice.devices, bands);
    }
    for (auto [d, range] : llvm::zip(choice.devices, rangesOf(choice.sizes))) {
      auto [begin, end] = range;
      BandInput band = bandInput(w, begin, end, inRows, outRows);
      need(state, xfer, in, d, kRowAxis, band.lo, band.hi);
      compute(d, OpShare{-1, end - begin, -1});
      state.weightBytes[d] += weights;
      out.pieces.push_back({d, begin, end});
    }
    out.axis = kRowAxis;
    return;
  }
  case Split::InChannels: {
    int64_t reduced = reducedExtent(op);
    for (auto [d, range] : llvm::zip(choice.devices, rangesOf(choice.sizes))) {
      auto [begin, end] = range;
      need(state, xfer, in, d, kChannelAxis, begin, end);
      double fraction = double(end - begin) / reduced;
      compute(d, OpShare{-1, -1, end - begin});
      state.weightBytes[d] += int64_t(weights * fraction);
    }
    // Partial sums travel as the policy's default transfer type.
    auto type = cast<RankedTensorType>(result.getType());
    auto wire = defaultWire.empty() ? std::nullopt
                                    : std::optional<StringRef>(defaultWire);
    if (!choice.reduceScatter.empty()) {
      // Each device receives its output channels of everyone's partials.
      for (auto [d, range] :
           llvm::zip(choice.devices, rangesOf(choice.reduceScatter))) {
        auto [begin, end] = range;
        if (begin == end)
          continue;
        SmallVector<int64_t> shape(type.getShape());
        shape[kChannelAxis] = end - begin;
        int64_t bytes = transferBytes(shape, wire);
        for (int64_t p : choice.devices)
          if (p != d)
            transfer(state, xfer, p, d, bytes, 0, /*afterCompute=*/true);
        out.pieces.push_back({d, begin, end});
      }
      out.axis = kChannelAxis;
      return;
    }
    int64_t reduceTo = choice.reduceTo.value_or(choice.devices.front());
    for (int64_t p : choice.devices)
      if (p != reduceTo)
        transfer(state, xfer, p, reduceTo, transferBytes(type, wire), 0,
                 /*afterCompute=*/true);
    out = whole(result, reduceTo);
    return;
  }
  }
}

void LayoutSim::stepConcat(SimState &state, Operation *op,
                           std::vector<int64_t> &xfer, SimLayout &out) const {
  auto concat = cast<nn::ConcatOp>(op);
  int64_t axis = concat.getAxis();
  const SimLayout &first = layoutOf(state, op->getOperand(0));
  int64_t firstDevice = first.everywhere ? 0 : first.pieces.front().device;
  bool split = llvm::any_of(op->getOperands(), [&](Value v) {
    return layoutOf(state, v).pieces.size() > 1;
  });
  auto onFirstDevice = [&] {
    for (Value v : op->getOperands())
      needWhole(state, xfer, v, firstDevice);
    out = whole(op->getResult(0), firstDevice);
  };
  if (!split || (axis != kChannelAxis && axis != kRowAxis))
    return onFirstDevice();
  if (first.axis == axis) {
    // Along the split axis: the pieces pass through, shifted.
    int64_t offset = 0;
    SimLayout joined;
    joined.axis = axis;
    for (Value v : op->getOperands()) {
      const SimLayout &l = layoutOf(state, v);
      if (l.axis != axis)
        return onFirstDevice();
      if (l.everywhere)
        joined.pieces.push_back({firstDevice, offset, offset + extentOf(v, axis)});
      for (const SimPiece &p : l.pieces)
        joined.pieces.push_back(
            {p.device, p.begin + offset, p.end + offset, p.ready});
      offset += extentOf(v, axis);
    }
    out = joined;
    return;
  }
  // Along another axis: joined piece by piece of the first input.
  for (const SimPiece &p : first.pieces)
    for (Value v : op->getOperands())
      need(state, xfer, v, p.device, first.axis, p.begin, p.end);
  out.axis = first.axis;
  out.pieces = first.pieces;
}

void LayoutSim::stepFollower(SimState &state, Operation *op,
                             std::vector<int64_t> &xfer,
                             std::vector<double> &comp, SimLayout &out) const {
  if (isa<nn::ConcatOp>(op))
    return stepConcat(state, op, xfer, out);
  Value first = op->getOperand(0), result = op->getResult(0);
  SimLayout in = layoutOf(state, first);
  if (in.lazyOp) {
    // Ops along rows after a fused-tile op are part of the fused stack.
    SmallVector<int64_t> devices;
    RowBands bands;
    for (const SimPiece &p : in.pieces) {
      devices.push_back(p.device);
      bands.push_back({p.begin, p.end});
    }
    if (isa<nn::MaxPoolOp, nn::AveragePoolOp>(op))
      return makeLazy(out, op, devices,
                      proportionalBands(bands, extentOf(first, kRowAxis),
                                        extentOf(op->getResult(0), kRowAxis)));
    if (followsPieces(op, kRowAxis))
      return makeLazy(out, op, devices, bands);
  }
  OpWork work = workOf(op);
  int64_t firstDevice = in.everywhere ? 0 : in.pieces.front().device;
  auto compute = [&](int64_t d, double fraction) {
    comp[d] += model.computeSeconds(d, work.opClass, work.flops * fraction);
  };
  if (!in.everywhere && in.pieces.size() > 1 && in.axis == kRowAxis &&
      isa<nn::MaxPoolOp, nn::AveragePoolOp>(op)) {
    RowBands inputBands;
    for (const SimPiece &p : in.pieces)
      inputBands.push_back({p.begin, p.end});
    int64_t inRows = extentOf(first, kRowAxis);
    int64_t outRows = extentOf(result, kRowAxis);
    RowWindow w = *rowWindow(op);
    RowBands bands = proportionalBands(inputBands, inRows, outRows);
    out.axis = kRowAxis;
    for (auto [p, band] : llvm::zip(in.pieces, bands)) {
      if (band.first >= band.second)
        continue;
      BandInput b = bandInput(w, band.first, band.second, inRows, outRows);
      need(state, xfer, first, p.device, kRowAxis, b.lo, b.hi);
      compute(p.device, double(band.second - band.first) / outRows);
      out.pieces.push_back({p.device, band.first, band.second});
    }
    return;
  }
  if (in.everywhere || in.pieces.size() == 1 || !followsPieces(op, in.axis)) {
    for (Value v : op->getOperands())
      needWhole(state, xfer, v, firstDevice);
    compute(firstDevice, 1.0);
    out = whole(result, firstDevice);
    return;
  }
  int64_t extent = extentOf(first, in.axis);
  int64_t scale = extentOf(result, in.axis) / extent;
  out.axis = in.axis;
  for (const SimPiece &p : in.pieces) {
    for (auto [i, v] : llvm::enumerate(op->getOperands())) {
      if (isPerChannelParameter(op, i))
        continue;
      if (extentOf(v, in.axis) == extent)
        need(state, xfer, v, p.device, in.axis, p.begin, p.end);
      else
        needWhole(state, xfer, v, p.device);
    }
    compute(p.device, double(p.end - p.begin) / extent);
    out.pieces.push_back({p.device, p.begin * scale, p.end * scale});
  }
}

OpStep LayoutSim::step(SimState &state, Operation *op,
                       const OpPolicy *choice) const {
  OpStep figures;
  if (op->hasTrait<OpTrait::ConstantLike>()) {
    // Constants are everywhere (layoutOf's answer for values not in the
    // map): not stored, so copying a state copies only the live activations.
    figures.result.everywhere = true;
    return figures;
  }
  std::vector<int64_t> xfer(k * k, 0);
  std::vector<double> comp(k, 0);
  if (isa<func::ReturnOp>(op)) {
    // Model outputs are delivered on device 0.
    for (Value v : op->getOperands())
      needWhole(state, xfer, v, 0);
  } else if (op->getNumResults() == 1) {
    SimLayout out;
    static const OpPolicy onDeviceZero{Split::Device, {0}, {}, {}, "default"};
    if (!choice && isa<nn::ConvOp, nn::GemmOp>(op))
      choice = &onDeviceZero; // weights computed at run time
    if (choice)
      stepDecision(state, op, *choice, xfer, comp, out);
    else
      stepFollower(state, op, xfer, comp, out);
    Value result = op->getResult(0);
    int64_t numel = numelOf(result), extent = extentOf(result, out.axis);
    for (const SimPiece &p : out.pieces)
      state.liveBytes[p.device] += numel / extent * (p.end - p.begin) * 4;
    for (int64_t d : out.replicas)
      state.liveBytes[d] += numel * 4;
    for (int64_t d = 0; d < k; ++d)
      state.peakBytes[d] = std::max(state.peakBytes[d], state.liveBytes[d]);
    out.wire = choice && choice->transmitDtype ? wireOf(*choice->transmitDtype)
                                              : defaultWire;
    figures.result = out;
    figures.result.sent.clear();
    state.layouts[result] = std::move(out);
  }
  // Each device starts when its earlier ops are done and the op's inputs
  // have arrived; partial sums leave when computed and are waited for.
  // Moving bytes takes CPU at both ends (the writer and reader threads share
  // the device's core): time the device spends before it goes on (from
  // `at`), hidden while it waits for the transfers' data anyway.
  auto settle = [&](std::vector<TimedTransfer> &transfers,
                    std::vector<double> &at) {
    model.scheduleTransfers(transfers, state.sendFree, state.recvFree);
    std::vector<double> moving(k, 0), arrived(at);
    for (const TimedTransfer &t : transfers) {
      double cpu = model.transferCpuSeconds(t.from, t.to, t.bytes);
      moving[t.from] += cpu;
      moving[t.to] += cpu;
      arrived[t.to] = std::max(arrived[t.to], t.arrival);
    }
    for (int64_t d = 0; d < k; ++d) {
      state.computeSeconds[d] += moving[d];
      at[d] = std::max(arrived[d], at[d] + moving[d]);
    }
  };
  std::vector<double> start = state.clock;
  settle(state.inputTransfers, start);
  double slowest = 0;
  for (int64_t d = 0; d < k; ++d) {
    comp[d] += state.gatherCompute[d];
    state.gatherCompute[d] = 0;
    slowest = std::max(slowest, comp[d]);
    state.computeSeconds[d] += comp[d];
    state.clock[d] = start[d] + comp[d];
  }
  for (TimedTransfer &t : state.resultTransfers)
    t.ready = state.clock[t.from];
  settle(state.resultTransfers, state.clock);
  // The op's transfers, first departure to last arrival (for reports).
  double first = INFINITY, last = 0;
  for (const TimedTransfer &t :
       llvm::concat<const TimedTransfer>(state.inputTransfers,
                                         state.resultTransfers)) {
    first = std::min(first, t.start);
    last = std::max(last, t.arrival);
  }
  state.inputTransfers.clear();
  state.resultTransfers.clear();
  for (int64_t i = 0; i < k * k; ++i) {
    state.linkBytes[i] += xfer[i];
    state.bytes += xfer[i];
    figures.bytesIn += xfer[i];
  }
  // The result's pieces exist once their device has done the op (pieces
  // passed through keep their time).
  if (op->getNumResults() == 1)
    if (auto it = state.layouts.find(op->getResult(0));
        it != state.layouts.end())
      for (SimPiece &p : it->second.pieces)
        if (p.ready < 0)
          p.ready = state.clock[p.device];
  figures.computeSeconds = slowest;
  figures.transferSeconds = last > first ? last - first : 0;
  return figures;
}

void LayoutSim::retire(SimState &state, size_t index) const {
  // A fused-tile value computes later, from its inputs: an input past its
  // last use stays while a fused-tile user of it is alive.
  auto lazyUsers = [&](Value v) {
    SmallVector<SimLayout *, 2> users;
    for (Operation *user : v.getUsers())
      if (user->getNumResults() == 1)
        if (auto it = state.layouts.find(user->getResult(0));
            it != state.layouts.end() && it->second.lazyOp)
          users.push_back(&it->second);
    return users;
  };
  std::function<void(Value)> forget = [&](Value v) {
    auto it = state.layouts.find(v);
    if (it == state.layouts.end())
      return;
    if (!it->second.everywhere) {
      int64_t numel = numelOf(v), extent = extentOf(v, it->second.axis);
      for (const SimPiece &p : it->second.pieces)
        state.liveBytes[p.device] -= numel / extent * (p.end - p.begin) * 4;
      for (int64_t d : it->second.replicas)
        state.liveBytes[d] -= numel * 4;
    }
    SmallVector<Value, 2> held = std::move(it->second.held);
    state.layouts.erase(it);
    for (Value h : held)
      if (lazyUsers(h).empty())
        forget(h);
  };
  Operation *op = order[index];
  for (Value v : op->getOperands()) {
    auto it = lastUse.find(v);
    if (it == lastUse.end() || it->second != index || !state.layouts.count(v))
      continue;
    SmallVector<SimLayout *, 2> users = lazyUsers(v);
    for (SimLayout *user : users)
      user->held.push_back(v);
    if (users.empty())
      forget(v);
  }
  for (Value r : op->getResults())
    if (!lastUse.count(r))
      forget(r);
}

SmallVector<std::pair<int64_t, const SimLayout *>>
LayoutSim::liveInOrder(const SimState &state) const {
  // Values in program order: arguments, then results by their op's position.
  SmallVector<std::pair<int64_t, const SimLayout *>> live;
  for (const auto &[v, l] : state.layouts) {
    int64_t id;
    if (auto arg = dyn_cast<BlockArgument>(v))
      id = -1 - (int64_t)arg.getArgNumber();
    else
      id = (int64_t)position.lookup(v.getDefiningOp()) * 16 +
           cast<OpResult>(v).getResultNumber();
    live.push_back({id, &l});
  }
  llvm::sort(live, [](auto &a, auto &b) { return a.first < b.first; });
  return live;
}

std::string LayoutSim::key(const SimState &state) const {
  std::string text;
  llvm::raw_string_ostream os(text);
  for (auto [id, l] : liveInOrder(state)) {
    os << id << ':' << l->axis << (l->everywhere ? "*" : "") << l->wire
       << (l->lazyOp ? "L" : "");
    for (const auto &c : l->computed)
      os << ",c" << c[0] << '/' << c[1] << '/' << c[2];
    for (const SimPiece &p : l->pieces)
      os << ',' << p.device << '/' << p.begin << '/' << p.end;
    for (int64_t d : l->replicas)
      os << ",r" << d;
    for (const auto &cut : l->sent)
      os << ",s" << cut[0] << '/' << cut[1] << '/' << cut[2] << '/' << cut[3]
         << '/' << cut[4] << '/' << cut[5];
    os << ';';
  }
  return text;
}

std::vector<double> LayoutSim::times(const SimState &state) const {
  std::vector<double> out(state.clock);
  out.insert(out.end(), state.sendFree.begin(), state.sendFree.end());
  out.insert(out.end(), state.recvFree.begin(), state.recvFree.end());
  for (auto [id, l] : liveInOrder(state))
    for (const SimPiece &p : l->pieces)
      out.push_back(p.ready);
  return out;
}

bool LayoutSim::fitsMemory(const SimState &state) const {
  for (int64_t d = 0; d < k; ++d) {
    int64_t limit = model.memoryLimitBytes(d);
    if (limit > 0 && state.weightBytes[d] + state.peakBytes[d] > limit)
      return false;
  }
  return true;
}

Prediction LayoutSim::prediction(const SimState &state) const {
  Prediction p;
  p.latencyMs = state.seconds() * 1e3;
  p.bytes = state.bytes;
  for (int64_t from = 0; from < k; ++from)
    for (int64_t to = 0; to < k; ++to)
      if (int64_t b = state.linkBytes[from * k + to])
        p.links[{(int)from, (int)to}] = b;
  for (int64_t d = 0; d < k; ++d) {
    p.computeMs.push_back(state.computeSeconds[d] * 1e3);
    p.memoryBytes.push_back(state.weightBytes[d] + state.peakBytes[d]);
  }
  p.fitsMemory = fitsMemory(state);
  return p;
}
