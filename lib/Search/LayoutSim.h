// The cost model's view of dist-apply-policy: where each value lives (a
// range of channels or rows per device), what each op computes on each
// device and which ranges must travel, without rewriting any IR. One
// SimState is one partial assignment of strategies, advanced op by op.
#ifndef SEPNN_LIB_SEARCH_LAYOUTSIM_H
#define SEPNN_LIB_SEARCH_LAYOUTSIM_H

#include "CostModel.h"
#include "sepnn/Search/Search.h"
#include "sepnn/Support/Policy.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseMap.h"

#include <algorithm>
#include <array>
#include <set>

namespace mlir::sepnn {

/// [begin, end) along the layout's axis, held by `device` from `ready`
/// seconds into the inference (-1 until the op that makes it is timed).
struct SimPiece {
  int64_t device, begin, end;
  double ready = -1;
};

/// Where a value lives: disjoint pieces along `axis` (1 channels, 2 rows),
/// in the policy applier's order; a whole value is one piece [0, C).
struct SimLayout {
  int64_t axis = 1;
  bool everywhere = false; // constants
  SmallVector<SimPiece, 4> pieces;
  SmallVector<int64_t, 2> replicas; // devices with a whole copy (replicate)
  /// How the value travels: "" (f32), "f16" or "int8".
  StringRef wire;
  /// The cuts already sent, as (piece, other-axis range, layout-axis range,
  /// destination): the partitioner sends each cut once per destination, so
  /// a second consumer of the same rows or channels costs nothing.
  std::set<std::array<int64_t, 6>> sent;
  /// Fused tiles (`halo: recompute`, PolicyApplier's LazyRows): nothing is
  /// computed when the op is reached; `pieces` are the row bands, and a
  /// device computes the rows a consumer asks of it when it asks (`computed`
  /// holds the (device, begin, end) already computed).
  Operation *lazyOp = nullptr;
  std::set<std::array<int64_t, 3>> computed;
  /// Inputs past their last use that this fused-tile value may still read:
  /// forgotten with it.
  SmallVector<Value, 2> held;
};

/// A timeline per device: ops run on each device in program order, a
/// device starts its part of an op when it has done its earlier ops and the
/// data the op needs has arrived; transfers leave as soon as their data
/// exists (the partitioner cuts and sends right after the producer).
struct SimState {
  DenseMap<Value, SimLayout> layouts; // the values still to be used
  std::vector<double> clock;              // per device: done with its ops
  std::vector<double> sendFree, recvFree; // per device: its link is free
  /// The current op's transfers: those its inputs need (when the data is
  /// ready), then those of its results (partial sums: when computed).
  std::vector<TimedTransfer> inputTransfers, resultTransfers;
  int64_t bytes = 0;
  std::vector<int64_t> linkBytes;   // K x K
  std::vector<double> computeSeconds;
  std::vector<int64_t> weightBytes, liveBytes, peakBytes;
  SmallVector<int16_t> choices;     // candidate index per decision op
  /// Compute done while the current op gathers its inputs: fused-tile rows,
  /// and the joins of received pieces to local ones.
  std::vector<double> gatherCompute;

  /// When the last device is done (the makespan).
  double seconds() const {
    return clock.empty() ? 0 : *std::max_element(clock.begin(), clock.end());
  }
};

/// What one op costs and where its result lives (for reports).
struct OpStep {
  double computeSeconds = 0, transferSeconds = 0;
  int64_t bytesIn = 0;
  SimLayout result;
};

class LayoutSim {
public:
  LayoutSim(func::FuncOp model, const Cluster &cluster);
  /// The policy-wide transfer type ("f32", "f16", "int8"); an op's entry
  /// overrides it for that op's results.
  void setTransmitDtype(StringRef dtype) { defaultWire = wireOf(dtype); }
  static StringRef wireOf(StringRef dtype) {
    return dtype == "f16" ? "f16" : dtype == "int8" ? "int8" : "";
  }
  SimState initialState() const;
  ArrayRef<Operation *> ops() const { return order; }
  /// Conv and Gemm with constant weights: the ops a policy splits.
  static bool isDecision(Operation *op);
  /// Advances `state` over `op`; `choice` is the strategy of a decision op.
  OpStep step(SimState &state, Operation *op, const OpPolicy *choice) const;
  /// Forgets the values whose last use is op `index`.
  void retire(SimState &state, size_t index) const;
  /// The live layouts, as a key: states with equal keys have the same
  /// future ops and transfers.
  std::string key(const SimState &state) const;
  /// The times the future depends on, for states of equal keys: the
  /// devices' clocks and link times, then when each live piece is ready, in
  /// the key's order. The future only gets later as any of them does.
  std::vector<double> times(const SimState &state) const;
  Prediction prediction(const SimState &state) const;
  bool fitsMemory(const SimState &state) const;
  const CostModel &costs() const { return model; }

private:
  /// The live values in program order (arguments first), for key and times.
  SmallVector<std::pair<int64_t, const SimLayout *>>
  liveInOrder(const SimState &state) const;
  /// Adds `bytes` from `from` to `to` to the op's transfers.
  void transfer(SimState &state, std::vector<int64_t> &xfer, int64_t from,
                int64_t to, int64_t bytes, double ready,
                bool afterCompute) const;
  void need(SimState &state, std::vector<int64_t> &xfer, Value v,
            int64_t device, int64_t axis, int64_t begin, int64_t end) const;
  void needWhole(SimState &state, std::vector<int64_t> &xfer, Value v,
                 int64_t device) const;
  /// Device `device` computes rows [begin, end) of the fused-tile value `v`,
  /// gathering the rows of its inputs that they need.
  void computeRows(SimState &state, std::vector<int64_t> &xfer, Value v,
                   int64_t device, int64_t begin, int64_t end) const;
  /// Makes `out` the fused-tile layout of `op`'s result over `bands`.
  static void makeLazy(SimLayout &out, Operation *op, ArrayRef<int64_t> devices,
                       ArrayRef<std::pair<int64_t, int64_t>> bands);
  SimLayout whole(Value v, int64_t device) const;
  const SimLayout &layoutOf(const SimState &state, Value v) const;
  void stepDecision(SimState &state, Operation *op, const OpPolicy &choice,
                    std::vector<int64_t> &xfer, std::vector<double> &comp,
                    SimLayout &out) const;
  void stepFollower(SimState &state, Operation *op, std::vector<int64_t> &xfer,
                    std::vector<double> &comp, SimLayout &out) const;
  void stepConcat(SimState &state, Operation *op, std::vector<int64_t> &xfer,
                  SimLayout &out) const;

  CostModel model;
  int64_t k;
  StringRef defaultWire;
  SmallVector<Operation *> order;
  DenseMap<Operation *, size_t> position;
  DenseMap<Value, size_t> lastUse;
  SmallVector<Value> arguments;
};

} // namespace mlir::sepnn

#endif
