// The policy search (design.md §3-4): for a model and a described cluster,
// the split of every Conv and Gemm that minimizes the predicted latency (or
// the bytes moved), under each device's memory limit.
//
// The prediction is analytic, on a timeline per device: every op's compute
// time on each device from its work and the device's profile (and the joins
// of received pieces to local ones); a device starts an op when its earlier
// ops are done and the op's data has arrived. Transfers leave when their data
// exists, one at a time per sending and per receiving end, at the link's
// bandwidth (its duplex rate while one goes the other way) plus its latency,
// and take the link's CPU per byte from both ends' cores. The latency is when
// the last device is done. The layouts follow the same rules as
// dist-apply-policy (sepnn/Transforms/LayoutRules.h), so the predicted bytes
// equal the manifest's.
//
// The search is a dynamic program over the ops in order whose state is the
// layout of every value still to be used, keeping of equal layouts the states
// no other one is ahead of in time: exact while those fronts and the number of
// states stay small (chains and residual networks on small graphs), a beam
// search beyond (then `exact` is false). Fused tiles (`rows` with `halo:
// recompute`) are then tried op by op on the result, kept where they help (a
// heuristic on top of either); a split not `minGain` faster than the best
// single device is declined.
#ifndef SEPNN_SEARCH_SEARCH_H
#define SEPNN_SEARCH_SEARCH_H

#include "sepnn/Support/Cluster.h"
#include "sepnn/Support/Policy.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mlir::sepnn {

enum class Objective { Latency, Bytes };

struct Prediction {
  double latencyMs = 0;
  int64_t bytes = 0;                           // per inference, all links
  std::map<std::pair<int, int>, int64_t> links; // (from, to) -> bytes
  std::vector<double> computeMs; // per device: kernels, joins, transfers' CPU
  std::vector<int64_t> memoryBytes;            // per device: weights + peak activations
  bool fitsMemory = true;
};

/// One op of the searched policy, for the per-layer chart and the picture.
struct LayerReport {
  std::string name;     // ONNX node name
  std::string op;       // nn op name
  std::string strategy; // "out_channels", "rows", "device 1", "follows"
  /// Share of the op's result per device, by the layout's axis.
  std::vector<double> shares;
  std::string axis; // "channels", "rows"
  double computeMs = 0, transferMs = 0;
  int64_t bytesIn = 0;
  std::vector<size_t> inputs; // indices of the layers it reads
};

struct SearchOptions {
  Objective objective = Objective::Latency;
  /// Most DP states kept after each op (beyond it the search is a beam).
  int64_t beamWidth = 2048;
  /// Enumerates every combination instead (small graphs: checks the DP).
  bool exhaustive = false;
  /// Transfer types the search may choose per op besides f32 ("f16",
  /// "int8"): lossy, so only when the user allows them (`--compress`).
  std::vector<std::string> compress;
  /// Latency objective: the fraction by which a split must be predicted
  /// faster than the best single device to be chosen (`--min-gain`).
  /// Distributing adds what the cost model does not price (a device that
  /// straggles, network jitter): on the bench's VM a split predicted 2.6%
  /// faster measured 1% faster in one run and 10% slower in the next.
  double minGain = 0.05;
};

struct SearchResult {
  Policy policy;
  Prediction prediction;
  bool exact = true;
  int64_t decisions = 0;  // ops whose split was chosen
  int64_t evaluated = 0;  // DP transitions or enumerated combinations
  int64_t fusedOps = 0;   // ops the fused-tile pass made `fused rows`
  double unfusedLatencyMs = 0; // the DP's (or enumeration's) best, before that pass
  /// The best split was not `minGain` faster than one device: the policy is
  /// the single device, and this the split's predicted latency.
  std::optional<double> declinedSplitMs;
  /// Fixed policies for comparison, in the cost model: "single device",
  /// "out_channels", "rows", "pipeline".
  struct Baseline {
    std::string name;
    Policy policy;
    Prediction prediction;
  };
  std::vector<Baseline> baselines;
  /// Every op of the model (constants aside) under the searched policy.
  std::vector<LayerReport> layers;
};

/// Searches the model function (cleaned up: batch norms folded).
FailureOr<SearchResult> searchPolicy(func::FuncOp model, const Cluster &cluster,
                                     const SearchOptions &options);

/// The predicted figures of a given policy, for reports and tests.
FailureOr<Prediction> predictPolicy(func::FuncOp model, const Cluster &cluster,
                                    const Policy &policy);

/// POLICY.json text for `policy` (design.md §4.2).
std::string policyToJson(const Policy &policy);

/// A Graphviz picture of the layers: each node filled with its devices'
/// colours in proportion to their shares, labelled with its strategy.
std::string layersToDot(const std::vector<LayerReport> &layers,
                        const Cluster &cluster);

} // namespace mlir::sepnn

#endif
