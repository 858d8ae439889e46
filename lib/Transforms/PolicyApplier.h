// The policy applier behind dist-apply-policy: layouts of values across
// devices, and the rewrites that shard or place each op.
//
// Every original value gets a Layout: the pieces of one of its dimensions
// (channels, dim 1, or rows, dim 2) and the devices that hold them. An op is
// rewritten per device from the pieces its policy needs; when a consumer needs
// a range (of channels, or of rows: a band with its halo) that no piece on its
// device holds, `materialize` cuts exactly that range out of the pieces that
// hold it (nn.slice on the holder) and joins the parts (nn.concat on the
// consumer). dist-partition later turns every cross-device edge into a
// send/recv pair, so what crosses the network is exactly what is needed.
#ifndef SEPNN_LIB_TRANSFORMS_POLICYAPPLIER_H
#define SEPNN_LIB_TRANSFORMS_POLICYAPPLIER_H

#include "sepnn/Support/Policy.h"
#include "sepnn/Transforms/LayoutRules.h"

#include "Dist/DistDialect.h"
#include "NN/NNOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseMap.h"

#include <map>
#include <optional>
#include <string>

namespace mlir::sepnn {

/// Device id of a piece that every device can use (a constant).
constexpr int64_t kAnyDevice = -1;

/// Indices [begin, end) along the layout's axis of an original value, held by
/// `device` as `value`.
struct Piece {
  int64_t device;
  Value value;
  int64_t begin, end;
};

struct Layout {
  int64_t extent = 1;          // size of `axis`, or 1 for rank <= axis
  SmallVector<Piece> primary;  // a disjoint cover of [0, extent)
  SmallVector<Piece> replicas; // copies on other devices (replicate)
  int64_t axis = kChannelAxis;
};

/// A value whose halo rows are recomputed (fused tiles): nothing is computed
/// until a consumer asks; a device with a band then computes exactly the rows
/// its consumer needs (its band plus the halo), from the rows of the op's
/// inputs that those need, recursively, so that only the stack's input halo
/// crosses the network.
struct LazyRows {
  Operation *op; // the original op
  SmallVector<int64_t> devices;
  RowBands bands;
  std::optional<std::string> transmitDtype;
};

class PolicyApplier {
public:
  PolicyApplier(func::FuncOp func, const Policy *policy, int64_t numDevices)
      : func(func), policy(policy), numDevices(numDevices),
        builder(func.getContext()) {}

  LogicalResult run();

private:
  // --- layouts --------------------------------------------------------------
  static int64_t extentOf(Value v, int64_t axis) {
    auto type = cast<RankedTensorType>(v.getType());
    return type.getRank() > axis ? type.getDimSize(axis) : 1;
  }
  static int64_t channelExtent(Value v) { return extentOf(v, kChannelAxis); }
  Value place(Operation *op, int64_t device) {
    if (device != kAnyDevice)
      dist::setDevice(op, device);
    return op->getResult(0);
  }
  /// [begin, end) of `v` along `axis`, cut on `device`.
  Value slice(Value v, int64_t device, int64_t axis, int64_t begin,
              int64_t end, Location loc);
  /// [begin, end) along `axis` (whole along the other dimensions) of an
  /// original value, on `device`.
  Value materialize(Value original, int64_t device, int64_t begin,
                    int64_t end, Location loc, int64_t axis = kChannelAxis);
  /// The layout of an original value; a lazy value is first computed, band
  /// by band, on the devices that own the bands.
  const Layout &layoutOf(Value original);
  /// Rows [begin, end) of original op `op` (windowed or position-wise along
  /// rows) computed on `device` from the rows of its inputs that they need.
  Value computeRows(Operation *op, int64_t device, int64_t begin,
                    int64_t end);
  Value materializeWhole(Value original, int64_t device, Location loc) {
    return materialize(original, device, 0, channelExtent(original), loc);
  }
  /// Records on the ops holding `original` how they travel (the op's
  /// policy entry's transmit_dtype).
  void markTransmitDtype(Value original, StringRef dtype);
  void setWhole(Value original, int64_t device, Value value) {
    layouts[original] = Layout{channelExtent(original),
                               {{device, value, 0, channelExtent(original)}},
                               {},
                               kChannelAxis};
  }

  // --- rewriting -----------------------------------------------------------
  const OpPolicy *policyFor(Operation *op, std::string &name);
  LogicalResult checkDevices(Operation *op, const OpPolicy &entry);
  /// The whole op on each of `devices` (one device: placement; several:
  /// replication), from whole inputs.
  LogicalResult rewriteOnDevices(Operation *op, ArrayRef<int64_t> devices);
  LogicalResult rewriteFollowingProducer(Operation *op);
  LogicalResult rewriteConvOutChannels(nn::ConvOp conv, const OpPolicy &entry,
                                       ArrayRef<int64_t> begins);
  LogicalResult rewriteGemmOutChannels(nn::GemmOp gemm, const OpPolicy &entry,
                                       ArrayRef<int64_t> begins);
  LogicalResult rewriteOutChannels(Operation *op, const OpPolicy &entry);
  LogicalResult rewriteInChannels(Operation *op, const OpPolicy &entry);
  LogicalResult rewriteReplicate(Operation *op, const OpPolicy &entry);
  LogicalResult rewriteRows(Operation *op, const OpPolicy &entry);
  /// A windowed op (conv, pool) computing output rows [band.first,
  /// band.second) on each device, from its input band and halo.
  LogicalResult rewriteRowBands(Operation *op, ArrayRef<int64_t> devices,
                                const RowBands &bands, bool recompute);
  /// Concat along channels: channel pieces pass through untouched, row
  /// pieces are joined band by band.
  LogicalResult rewriteConcat(nn::ConcatOp concat);
  /// Checks that `sizes` (the entry's `field`) add up to `extent` and
  /// returns where each device's range begins.
  FailureOr<SmallVector<int64_t>>
  rangeBegins(Operation *op, const OpPolicy &entry, ArrayRef<int64_t> sizes,
              int64_t extent, StringRef field, StringRef what);
  /// in_channels with reduce_scatter: each device sums its output channels.
  LogicalResult reduceScatter(Operation *op, const OpPolicy &entry,
                              ArrayRef<Value> partials);
  /// Clones `op` onto `operands`; with a range (axis, begin, end), the
  /// result keeps only the part computed from [begin, end) along the axis.
  Operation *cloneWithOperands(
      Operation *op, ArrayRef<Value> operands,
      std::optional<std::tuple<int64_t, int64_t, int64_t>> range);
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
  DenseMap<Value, LazyRows> lazy;
  std::map<std::tuple<Operation *, int64_t, int64_t, int64_t>, Value> rowCache;
  /// Set by failures found while computing lazy values on demand.
  bool failedOnDemand = false;
  std::map<std::tuple<void *, int64_t, int64_t, int64_t, int64_t>, Value>
      cache;
  std::map<std::tuple<void *, int64_t, int64_t, int64_t>, Value> slices;
  DenseMap<Value, Operation *> lastCut; // the latest nn.slice placed after a value
  OpPolicy evenSplit;
};


} // namespace mlir::sepnn

#endif
