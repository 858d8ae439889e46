// What an op costs: its work (FLOPs, by op class) and the devices' speed for
// each class; what a set of transfers costs on the cluster's links.
#ifndef SEPNN_LIB_SEARCH_COSTMODEL_H
#define SEPNN_LIB_SEARCH_COSTMODEL_H

#include "KernelModel.h"
#include "sepnn/Support/Cluster.h"

#include "mlir/IR/Operation.h"

#include <string>
#include <vector>

namespace mlir::sepnn {

/// What one device computes of a Conv or Gemm split across devices: its
/// output channels, output rows and input (reduced) channels; -1 is all.
struct OpShare {
  int64_t outChannels = -1, rows = -1, inChannels = -1;
};

/// One transfer of an op, in seconds from the inference's start: `ready`
/// when the sender holds the data (it sends then: the runtime's writer
/// thread); `start`, `end` and `arrival` filled in by scheduleTransfers.
struct TimedTransfer {
  int64_t from = 0, to = 0, bytes = 0;
  double ready = 0, start = 0, end = 0, arrival = 0;
};

struct OpWork {
  std::string opClass; // conv, conv1x1, depthwise, gemm, elementwise
  double flops = 0;
};

/// FLOPs of one inference of `op` (multiply-adds count 2).
OpWork workOf(Operation *op);

/// The extent an in_channels split divides: a Conv's input channels (per
/// group), a Gemm's K (from its weight operand, transB respected).
int64_t reducedExtent(Operation *op);

class CostModel {
public:
  explicit CostModel(const Cluster &cluster);
  int64_t numDevices() const { return devices; }
  /// Seconds for `flops` of `opClass` on `device`.
  double computeSeconds(int64_t device, const std::string &opClass,
                        double flops) const;
  /// Seconds for `device` to compute `share` of `op`: the kernel model
  /// (KernelModel.h) for Conv and Gemm when the device's profile has its
  /// parameters, else the share's fraction of the op's work.
  double shareSeconds(int64_t device, Operation *op, const OpShare &share) const;
  /// Seconds for `device` to join `floats` from pieces into one tensor (the
  /// Concat before a consumer of a split value): the profile's
  /// `concat_gfloats`, else its elementwise rate.
  double joinSeconds(int64_t device, double floats) const;
  /// Relative speed of each device for `opClass` (for uneven splits).
  std::vector<double> speeds(const std::string &opClass) const;
  /// Times one op's transfers on the links, in order of readiness: a device
  /// sends one transfer at a time and receives one at a time (`sendFree` and
  /// `recvFree`: when each device's link is next free, advanced here), at
  /// the link's bandwidth, except for the part of a transfer that overlaps
  /// one the other way on the same link, which goes at its duplex rate; the
  /// data arrives a link latency after it has left.
  void scheduleTransfers(std::vector<TimedTransfer> &transfers,
                         std::vector<double> &sendFree,
                         std::vector<double> &recvFree) const;
  /// CPU seconds a device spends sending (and its peer receiving) `bytes`
  /// over the link between them: the link's `cpu_ns_per_byte`.
  double transferCpuSeconds(int64_t from, int64_t to, int64_t bytes) const;
  int64_t memoryLimitBytes(int64_t device) const;

private:
  const Cluster &cluster;
  int64_t devices;
  /// Each device's kernel-model parameters, read once from its profile.
  std::vector<std::optional<KernelProfile>> kernels;
};

} // namespace mlir::sepnn

#endif
