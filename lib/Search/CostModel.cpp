#include "CostModel.h"

#include "NN/NNOps.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::sepnn;

static double numel(Value v) {
  auto type = cast<RankedTensorType>(v.getType());
  double n = 1;
  for (int64_t d : type.getShape())
    n *= d;
  return n;
}

OpWork mlir::sepnn::workOf(Operation *op) {
  if (op->getNumResults() != 1)
    return {"elementwise", 0};
  double out = numel(op->getResult(0));
  if (auto conv = dyn_cast<nn::ConvOp>(op)) {
    auto w = cast<RankedTensorType>(conv.getWeight().getType());
    double perOutput = 1;
    for (int64_t d : w.getShape().drop_front())
      perOutput *= d; // input channels per group x kernel
    std::string cls = "conv";
    int64_t inChannels = cast<RankedTensorType>(conv.getInput().getType())
                             .getDimSize(1);
    if (conv.getGroup() > 1 && conv.getGroup() == inChannels)
      cls = "depthwise";
    else if (w.getRank() == 4 && w.getDimSize(2) == 1 && w.getDimSize(3) == 1)
      cls = "conv1x1";
    return {cls, 2 * out * perOutput};
  }
  if (auto gemm = dyn_cast<nn::GemmOp>(op)) {
    auto a = cast<RankedTensorType>(gemm.getA().getType());
    int64_t k = gemm.getTransA() ? a.getDimSize(0) : a.getDimSize(1);
    return {"gemm", 2 * out * k};
  }
  if (auto matmul = dyn_cast<nn::MatMulOp>(op)) {
    auto a = cast<RankedTensorType>(matmul.getOperand(0).getType());
    return {"gemm", 2 * out * a.getShape().back()};
  }
  // Pools read a window per output; everything else is elementwise-like.
  if (auto pool = dyn_cast<nn::MaxPoolOp>(op)) {
    double window = 1;
    for (int64_t k : pool.getKernelShape())
      window *= k;
    return {"elementwise", out * window};
  }
  if (auto pool = dyn_cast<nn::AveragePoolOp>(op)) {
    double window = 1;
    for (int64_t k : pool.getKernelShape())
      window *= k;
    return {"elementwise", out * window};
  }
  if (isa<nn::GlobalAveragePoolOp, nn::GlobalMaxPoolOp>(op))
    return {"elementwise", numel(op->getOperand(0))};
  return {"elementwise", out};
}

int64_t mlir::sepnn::reducedExtent(Operation *op) {
  auto w = cast<RankedTensorType>(op->getOperand(1).getType());
  auto gemm = dyn_cast<nn::GemmOp>(op);
  return w.getDimSize(isa<nn::ConvOp>(op) ? 1 : (gemm && gemm.getTransB() ? 1 : 0));
}

CostModel::CostModel(const Cluster &cluster)
    : cluster(cluster), devices((int64_t)cluster.devices.size()) {
  for (const ClusterDevice &d : cluster.devices)
    kernels.push_back(KernelProfile::of(d));
}

/// The profile's figure for joining pieces (G floats/s).
static const char *const kJoinClass = "concat_gfloats";

/// GFLOP/s: the profile's figure for the class, else the device's `gflops`
/// (elementwise work, memory-bound, at a quarter of it), else 1. Conv1x1 and
/// depthwise fall back to `conv`, joins to `elementwise`.
static double gflopsFor(const ClusterDevice &d, const std::string &cls) {
  auto it = d.profile.find(cls);
  if (it != d.profile.end())
    return it->second;
  if (cls == "conv1x1" || cls == "depthwise") {
    auto conv = d.profile.find("conv");
    if (conv != d.profile.end())
      return conv->second;
  }
  if (cls == kJoinClass) // a copy: as fast as the elementwise ops
    return gflopsFor(d, "elementwise");
  double base = d.gflops > 0 ? d.gflops : 1.0;
  return cls == "elementwise" ? base / 4 : base;
}

double CostModel::computeSeconds(int64_t device, const std::string &opClass,
                                 double flops) const {
  return flops / (gflopsFor(cluster.devices[device], opClass) * 1e9);
}

/// `share` of `extent`, -1 meaning all of it.
static int64_t part(int64_t share, int64_t extent) {
  return share < 0 ? extent : share;
}

double CostModel::shareSeconds(int64_t device, Operation *op,
                               const OpShare &share) const {
  auto result = cast<RankedTensorType>(op->getResult(0).getType());
  const std::optional<KernelProfile> &kernels = this->kernels[device];
  auto conv = dyn_cast<nn::ConvOp>(op);
  auto weight = conv ? cast<RankedTensorType>(conv.getWeight().getType())
                     : RankedTensorType();
  if (kernels && conv && weight.getRank() == 4) {
    int64_t group = conv.getGroup(), M = result.getDimSize(1);
    int64_t C = weight.getDimSize(1) * group;
    int64_t shardM = part(share.outChannels, M);
    ConvShape s;
    s.batch = result.getDimSize(0);
    s.M = shardM;
    // A grouped conv splits by whole groups; an in-channels split is ungrouped.
    s.group = group > 1 ? std::max<int64_t>(1, shardM * group / M) : 1;
    s.C = group > 1 ? C * s.group / group : part(share.inChannels, C);
    s.KH = weight.getDimSize(2);
    s.KW = weight.getDimSize(3);
    s.OH = part(share.rows, result.getDimSize(2));
    s.OW = result.getDimSize(3);
    s.strideH = conv.getStrides()[0];
    s.strideW = conv.getStrides()[1];
    s.dilationH = conv.getDilations()[0];
    s.dilationW = conv.getDilations()[1];
    s.padded = llvm::any_of(conv.getPads(), [](int64_t p) { return p != 0; });
    return convSeconds(*kernels, s);
  }
  auto gemm = dyn_cast<nn::GemmOp>(op);
  if (kernels && gemm && !gemm.getTransA()) {
    auto a = cast<RankedTensorType>(gemm.getA().getType());
    return gemmSeconds(*kernels, a.getDimSize(0),
                       part(share.inChannels, a.getDimSize(1)),
                       part(share.outChannels, result.getDimSize(1)));
  }
  // The share's fraction of the op's work, at the class's rate.
  OpWork work = workOf(op);
  double fraction = 1;
  if (share.outChannels >= 0)
    fraction *= double(share.outChannels) / result.getDimSize(1);
  if (share.rows >= 0)
    fraction *= double(share.rows) / result.getDimSize(2);
  if (share.inChannels >= 0)
    fraction *= double(share.inChannels) / reducedExtent(op);
  return computeSeconds(device, work.opClass, work.flops * fraction);
}

double CostModel::joinSeconds(int64_t device, double floats) const {
  return computeSeconds(device, kJoinClass, floats);
}

std::vector<double> CostModel::speeds(const std::string &opClass) const {
  std::vector<double> out;
  for (const ClusterDevice &d : cluster.devices)
    out.push_back(gflopsFor(d, opClass));
  return out;
}

/// Lays `transfers` (sorted) on the links one after another per sender and
/// per receiver; a transfer's seconds come from `secondsOf(index)`.
template <class SecondsOf>
static void layOut(std::vector<TimedTransfer> &transfers,
                   std::vector<double> sendFree, std::vector<double> recvFree,
                   SecondsOf secondsOf) {
  for (auto [i, t] : llvm::enumerate(transfers)) {
    t.start = std::max({t.ready, sendFree[t.from], recvFree[t.to]});
    t.end = t.start + secondsOf(i);
    sendFree[t.from] = recvFree[t.to] = t.end;
  }
}

void CostModel::scheduleTransfers(std::vector<TimedTransfer> &transfers,
                                  std::vector<double> &sendFree,
                                  std::vector<double> &recvFree) const {
  llvm::stable_sort(transfers, [](const TimedTransfer &a,
                                  const TimedTransfer &b) {
    return a.ready < b.ready;
  });
  auto oneWay = [&](const TimedTransfer &t) {
    return t.bytes / (cluster.link(t.from, t.to).mbps * 1e6 / 8);
  };
  // First every transfer at the one-way rate; then each again, its share
  // that overlapped a transfer the other way at the duplex rate (one
  // correction, not a fixed point: the overlaps barely move).
  layOut(transfers, sendFree, recvFree,
         [&](size_t i) { return oneWay(transfers[i]); });
  std::vector<double> seconds;
  for (const TimedTransfer &t : transfers) {
    double overlap = 0;
    for (const TimedTransfer &u : transfers)
      if (u.from == t.to && u.to == t.from)
        overlap += std::max(0.0, std::min(t.end, u.end) -
                                     std::max(t.start, u.start));
    Link link = cluster.link(t.from, t.to);
    double duration = t.end - t.start;
    double both = duration > 0 ? std::min(1.0, overlap / duration) : 0;
    double duplex = link.duplexMbps > 0 ? link.duplexMbps : link.mbps;
    seconds.push_back(oneWay(t) * (1 - both) +
                      t.bytes / (duplex * 1e6 / 8) * both);
  }
  layOut(transfers, sendFree, recvFree,
         [&](size_t i) { return seconds[i]; });
  for (TimedTransfer &t : transfers) {
    t.arrival = t.end + cluster.link(t.from, t.to).latencyMs / 1e3;
    sendFree[t.from] = std::max(sendFree[t.from], t.end);
    recvFree[t.to] = std::max(recvFree[t.to], t.end);
  }
}

double CostModel::transferCpuSeconds(int64_t from, int64_t to,
                                     int64_t bytes) const {
  return bytes * cluster.link(from, to).cpuNsPerByte * 1e-9;
}

int64_t CostModel::memoryLimitBytes(int64_t device) const {
  int64_t mb = cluster.devices[device].memMb;
  return mb > 0 ? mb * (int64_t(1) << 20) : 0;
}
