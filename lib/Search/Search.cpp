// Candidates per op, the dynamic program over layouts, exhaustive
// enumeration, the fixed baselines, and POLICY.json output.
#include "sepnn/Search/Search.h"
#include "LayoutSim.h"
#include "sepnn/Transforms/LayoutRules.h"

#include "NN/NNOps.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <numeric>
#include <set>

using namespace mlir;
using namespace mlir::sepnn;

namespace {

/// A strategy the search may give an op, and what to call it.
struct Candidate {
  std::string label; // "device 2", "out_channels", "rows", "in_channels",
                     // "fused rows" (each also with " f16" or " int8")
  OpPolicy policy;
};

/// `extent` in multiples of `unit`, proportional to `speeds`, every device
/// at least one unit; empty when there are fewer units than devices.
std::vector<int64_t> proportionalSizes(int64_t extent, int64_t unit,
                                       const std::vector<double> &speeds) {
  int64_t units = extent / unit, k = (int64_t)speeds.size();
  if (units < k)
    return {};
  double total = std::accumulate(speeds.begin(), speeds.end(), 0.0);
  std::vector<int64_t> sizes(k);
  int64_t given = 0;
  for (int64_t d = 0; d < k; ++d) {
    sizes[d] = std::max<int64_t>(1, (int64_t)(units * speeds[d] / total));
    given += sizes[d];
  }
  // The rounding goes to (or comes from) the fastest device that can spare it.
  int64_t fastest = std::max_element(speeds.begin(), speeds.end()) - speeds.begin();
  sizes[fastest] += units - given;
  while (sizes[fastest] < 1) {
    int64_t donor = std::max_element(sizes.begin(), sizes.end()) - sizes.begin();
    --sizes[donor];
    ++sizes[fastest];
  }
  for (int64_t &s : sizes)
    s *= unit;
  return sizes;
}

std::vector<int64_t> allDevices(int64_t k) {
  std::vector<int64_t> out(k);
  std::iota(out.begin(), out.end(), 0);
  return out;
}

/// Every device alone, then the splits over all devices with sizes in
/// proportion to the devices' speed for the op's class.
SmallVector<Candidate> candidatesFor(Operation *op, const CostModel &costs) {
  int64_t k = costs.numDevices();
  SmallVector<Candidate> out;
  for (int64_t d = 0; d < k; ++d)
    out.push_back({"device " + std::to_string(d),
                   OpPolicy{Split::Device, {d}, {}, {}, "search"}});
  if (k == 1)
    return out;
  std::vector<double> speeds = costs.speeds(workOf(op).opClass);
  auto type = cast<RankedTensorType>(op->getResult(0).getType());
  int64_t channels = type.getDimSize(1);
  auto conv = dyn_cast<nn::ConvOp>(op);
  auto gemm = dyn_cast<nn::GemmOp>(op);
  int64_t unit = conv && conv.getGroup() > 1 ? channels / conv.getGroup() : 1;
  std::vector<int64_t> sizes = proportionalSizes(channels, unit, speeds);
  if (!sizes.empty())
    out.push_back({"out_channels", OpPolicy{Split::OutChannels, allDevices(k),
                                            sizes, {}, "search"}});
  if (rowWindow(op)) {
    std::vector<int64_t> rows =
        proportionalSizes(type.getDimSize(2), 1, speeds);
    if (!rows.empty())
      out.push_back(
          {"rows", OpPolicy{Split::Rows, allDevices(k), rows, {}, "search"}});
  }
  bool reducible = (conv && conv.getGroup() == 1) || (gemm && !gemm.getTransA());
  if (reducible) {
    int64_t reduced = reducedExtent(op);
    std::vector<int64_t> inSizes = proportionalSizes(reduced, 1, speeds);
    std::vector<int64_t> outSizes = proportionalSizes(channels, 1, speeds);
    if (!inSizes.empty() && !outSizes.empty()) {
      OpPolicy policy{Split::InChannels, allDevices(k), inSizes, {}, "search"};
      policy.reduceScatter = outSizes;
      out.push_back({"in_channels", policy});
    }
  }
  return out;
}

/// Every device alone, then the splits over all devices with sizes in
/// proportion to the devices' speed for the op's class; each also with its
/// result sent as every allowed compressed type. Then, after them, each
/// `rows` candidate's fused twin (`halo: recompute`), which only the
/// fused-tile pass tries (fuseTiles).
SmallVector<Candidate> candidatesFor(Operation *op, const CostModel &costs,
                                     ArrayRef<std::string> compress) {
  SmallVector<Candidate> out = candidatesFor(op, costs);
  size_t plain = out.size();
  for (const std::string &dtype : compress)
    for (size_t i = 0; i < plain; ++i) {
      Candidate c = out[i];
      c.label += " " + dtype;
      c.policy.transmitDtype = dtype;
      out.push_back(c);
    }
  size_t unfused = out.size();
  for (size_t i = 0; i < unfused; ++i)
    if (out[i].policy.split == Split::Rows) {
      Candidate c = out[i];
      c.label = "fused " + c.label;
      c.policy.recomputeHalo = true;
      out.push_back(c);
    }
  return out;
}

double objectiveOf(const SimState &s, Objective objective) {
  // Bytes first for the bytes objective, the latency breaking ties.
  return objective == Objective::Latency ? s.seconds()
                                         : s.bytes + s.seconds() * 1e-3;
}

struct Problem {
  LayoutSim sim;
  SmallVector<Operation *> decisions;
  DenseMap<Operation *, SmallVector<Candidate>> candidates;

  Problem(func::FuncOp model, const Cluster &cluster,
          ArrayRef<std::string> compress)
      : sim(model, cluster) {
    for (Operation *op : sim.ops())
      if (LayoutSim::isDecision(op)) {
        decisions.push_back(op);
        candidates[op] = candidatesFor(op, sim.costs(), compress);
      }
  }

  static bool isFused(const Candidate &c) { return c.policy.recomputeHalo; }

  /// The candidates the DP (and --exhaustive) choose from: all but the fused
  /// twins at the end, which fuseTiles tries.
  ArrayRef<Candidate> searched(Operation *op) const {
    ArrayRef<Candidate> all = candidates.find(op)->second;
    return all.take_while([](const Candidate &c) { return !isFused(c); });
  }

  /// For decision `i`, the index of candidate `choice`'s twin: the fused
  /// one of a `rows` candidate, the `rows` one of a fused candidate; none
  /// for the others.
  std::optional<int16_t> twin(size_t i, int16_t choice) const {
    const auto &cands = candidates.find(decisions[i])->second;
    StringRef label = cands[choice].label;
    std::string want = isFused(cands[choice])
                           ? label.drop_front(strlen("fused ")).str()
                           : "fused " + label.str();
    for (auto [c, cand] : llvm::enumerate(cands))
      if (cand.label == want)
        return (int16_t)c;
    return std::nullopt;
  }

  /// Fused tiles (DeepThings) on top of `choices`: its `rows` ops in stacks
  /// of four whose first three recompute their consumers' halos and whose
  /// fourth exchanges them (as test/strategies/strategies.py builds them).
  SmallVector<int16_t> fusedStacks(ArrayRef<int16_t> choices) const {
    SmallVector<int16_t> out(choices.begin(), choices.end());
    int64_t inStack = 0;
    for (size_t i = 0; i < out.size(); ++i) {
      const Candidate &c = candidates.find(decisions[i])->second[out[i]];
      if (c.policy.split != Split::Rows || isFused(c))
        continue;
      if (inStack++ % 4 != 3)
        out[i] = *twin(i, out[i]);
    }
    return out;
  }

  int64_t fusedCount(ArrayRef<int16_t> choices) const {
    int64_t n = 0;
    for (auto [op, choice] : llvm::zip(decisions, choices))
      n += isFused(candidates.find(op)->second[choice]);
    return n;
  }

  /// Runs one complete assignment (a candidate index per decision op).
  SimState evaluate(ArrayRef<int16_t> choices) const {
    SimState s = sim.initialState();
    size_t next = 0;
    for (auto [i, op] : llvm::enumerate(sim.ops())) {
      const OpPolicy *choice = nullptr;
      if (LayoutSim::isDecision(op))
        choice = &candidates.find(op)->second[choices[next++]].policy;
      sim.step(s, op, choice);
      sim.retire(s, i);
    }
    s.choices.assign(choices.begin(), choices.end());
    return s;
  }

  /// Every non-constant op's figures under one complete assignment.
  std::vector<LayerReport> layers(ArrayRef<int16_t> choices) const {
    std::vector<LayerReport> out;
    DenseMap<Value, size_t> producer;
    SimState s = sim.initialState();
    size_t next = 0;
    int64_t k = sim.costs().numDevices();
    for (auto [i, op] : llvm::enumerate(sim.ops())) {
      const Candidate *choice = nullptr;
      if (LayoutSim::isDecision(op))
        choice = &candidates.find(op)->second[choices[next++]];
      OpStep step = sim.step(s, op, choice ? &choice->policy : nullptr);
      sim.retire(s, i);
      if (step.result.everywhere)
        continue;
      LayerReport layer;
      layer.name = nodeName(op);
      layer.op = op->getName().getStringRef().str();
      layer.strategy = choice ? choice->label : "follows";
      layer.axis = step.result.axis == kRowAxis ? "rows" : "channels";
      layer.shares.assign(k, 0.0);
      int64_t total = 0;
      for (const SimPiece &piece : step.result.pieces)
        total += piece.end - piece.begin;
      for (const SimPiece &piece : step.result.pieces)
        layer.shares[piece.device] += double(piece.end - piece.begin) / total;
      layer.computeMs = step.computeSeconds * 1e3;
      layer.transferMs = step.transferSeconds * 1e3;
      layer.bytesIn = step.bytesIn;
      for (Value v : op->getOperands())
        if (auto it = producer.find(v); it != producer.end())
          layer.inputs.push_back(it->second);
      for (Value r : op->getResults())
        producer[r] = out.size();
      out.push_back(std::move(layer));
    }
    return out;
  }

  /// The candidate labelled `label` for each op, else `fallback`'s, else
  /// the first device.
  SmallVector<int16_t> byLabel(StringRef label, StringRef fallback) const {
    SmallVector<int16_t> out;
    for (Operation *op : decisions) {
      const auto &cands = candidates.lookup(op);
      int16_t pick = 0;
      for (auto [i, c] : llvm::enumerate(cands))
        if (c.label == fallback)
          pick = i;
      for (auto [i, c] : llvm::enumerate(cands))
        if (c.label == label)
          pick = i;
      out.push_back(pick);
    }
    return out;
  }

  Policy policyOf(ArrayRef<int16_t> choices) const {
    Policy p;
    p.file = "search";
    p.defaultPolicy = OpPolicy{Split::Device, {0}, {}, {}, "default"};
    for (auto [op, choice] : llvm::zip(decisions, choices)) {
      std::string name = nodeName(op);
      if (!name.empty())
        p.ops.emplace(name, candidates.lookup(op)[choice].policy);
    }
    return p;
  }
};

/// Whether `a`'s future is no worse than `b`'s (equal keys): no device
/// and no live piece later and, for the bytes objective, no more bytes.
bool dominates(const SimState &a, ArrayRef<double> aTimes, const SimState &b,
               ArrayRef<double> bTimes, Objective objective) {
  if (objective == Objective::Bytes && a.bytes > b.bytes)
    return false;
  assert(aTimes.size() == bTimes.size() && "equal keys, equal pieces");
  for (auto [x, y] : llvm::zip(aTimes, bTimes))
    if (x > y + 1e-12)
      return false;
  return true;
}

/// The most states the DP keeps per key; past it, the best by the
/// objective (and the search is no longer exact).
constexpr size_t kStatesPerKey = 32;

/// States with the same live layouts face the same ops and transfers, but
/// from different clocks: of each key, keep the states no other one
/// dominates (a Pareto front of their times).
template <class Better>
std::vector<SimState> keepUndominated(const LayoutSim &sim,
                                      std::vector<SimState> states,
                                      Objective objective, Better better,
                                      bool &exact) {
  struct Kept {
    SimState state;
    std::vector<double> times;
  };
  llvm::StringMap<std::vector<Kept>> fronts;
  std::vector<std::string> order; // keys in first-seen order: deterministic
  for (SimState &s : states) {
    std::vector<double> times = sim.times(s);
    std::string key = sim.key(s);
    auto [it, inserted] = fronts.try_emplace(key);
    if (inserted)
      order.push_back(key);
    std::vector<Kept> &front = it->second;
    if (llvm::any_of(front, [&](const Kept &k) {
          return dominates(k.state, k.times, s, times, objective);
        }))
      continue;
    llvm::erase_if(front, [&](const Kept &k) {
      return dominates(s, times, k.state, k.times, objective);
    });
    front.push_back({std::move(s), std::move(times)});
    if (front.size() > kStatesPerKey) {
      auto worst = llvm::max_element(front, [&](const Kept &a, const Kept &b) {
        return better(a.state, b.state);
      });
      front.erase(worst);
      exact = false;
    }
  }
  std::vector<SimState> out;
  for (const std::string &key : order)
    for (Kept &k : fronts[key])
      out.push_back(std::move(k.state));
  return out;
}

/// Fused tiles, after the search. The DP leaves the fused twins out: a fused
/// value's compute is only counted when its consumers ask for its rows, so
/// states holding one look cheaper than they are and crowd out the others.
/// Instead, from each of `starts` (the DP's best, all `rows`, the fused-tile
/// baseline), each op with a twin is switched to it, op by op in program
/// order, and kept so when the whole policy gets better; passes repeat while
/// one helps (a run of fused ops becomes a stack). A heuristic: `best`, the
/// best policy reached, is never worse than the DP's or either start.
template <class Better>
void fuseTiles(const Problem &problem, ArrayRef<SmallVector<int16_t>> starts,
               SimState &best, Better better) {
  for (ArrayRef<int16_t> start : starts) {
    SmallVector<int16_t> choices(start.begin(), start.end());
    SimState current = problem.evaluate(choices);
    if (!problem.sim.fitsMemory(current))
      continue;
    for (bool improved = true; improved;) {
      improved = false;
      for (size_t i = 0; i < choices.size(); ++i) {
        std::optional<int16_t> twin = problem.twin(i, choices[i]);
        if (!twin)
          continue;
        int16_t was = choices[i];
        choices[i] = *twin;
        SimState s = problem.evaluate(choices);
        if (problem.sim.fitsMemory(s) && better(s, current)) {
          current = std::move(s);
          improved = true;
        } else {
          choices[i] = was;
        }
      }
    }
    if (better(current, best))
      best = std::move(current);
  }
}

} // namespace

FailureOr<SearchResult> mlir::sepnn::searchPolicy(func::FuncOp model,
                                                  const Cluster &cluster,
                                                  const SearchOptions &options) {
  Problem problem(model, cluster, options.compress);
  const LayoutSim &sim = problem.sim;
  int64_t k = (int64_t)cluster.devices.size();
  SearchResult result;
  result.decisions = problem.decisions.size();

  std::optional<SimState> best;
  auto better = [&](const SimState &a, const SimState &b) {
    return objectiveOf(a, options.objective) < objectiveOf(b, options.objective);
  };
  if (options.exhaustive) {
    double combinations = 1;
    for (Operation *op : problem.decisions)
      combinations *= problem.searched(op).size();
    if (combinations > 2e5)
      return model.emitError() << "--exhaustive: " << combinations
                               << " combinations is too many (at most 200000)";
    SmallVector<int16_t> choices(problem.decisions.size(), 0);
    for (;;) {
      SimState s = problem.evaluate(choices);
      ++result.evaluated;
      if (sim.fitsMemory(s) && (!best || better(s, *best)))
        best = s;
      size_t i = 0;
      for (; i < choices.size(); ++i) {
        if (++choices[i] < (int16_t)problem.searched(problem.decisions[i]).size())
          break;
        choices[i] = 0;
      }
      if (i == choices.size())
        break;
    }
  } else {
    std::vector<SimState> states{sim.initialState()};
    for (auto [i, op] : llvm::enumerate(sim.ops())) {
      std::vector<SimState> next;
      if (LayoutSim::isDecision(op)) {
        ArrayRef<Candidate> cands = problem.searched(op);
        for (const SimState &s : states)
          for (auto [c, cand] : llvm::enumerate(cands)) {
            SimState t = s;
            sim.step(t, op, &cand.policy);
            sim.retire(t, i);
            t.choices.push_back(c);
            ++result.evaluated;
            if (sim.fitsMemory(t))
              next.push_back(std::move(t));
          }
      } else {
        for (SimState &s : states) {
          sim.step(s, op, nullptr);
          sim.retire(s, i);
          if (sim.fitsMemory(s))
            next.push_back(std::move(s));
        }
      }
      std::vector<SimState> merged =
          keepUndominated(sim, std::move(next), options.objective, better,
                          result.exact);
      if ((int64_t)merged.size() > options.beamWidth) {
        llvm::sort(merged, better);
        merged.resize(options.beamWidth);
        result.exact = false;
      }
      states = std::move(merged);
      if (states.empty())
        return model.emitError()
               << "no split of the model fits the devices' mem_mb limits";
    }
    for (SimState &s : states)
      if (!best || better(s, *best))
        best = std::move(s);
  }
  if (!best)
    return model.emitError()
           << "no split of the model fits the devices' mem_mb limits";
  result.unfusedLatencyMs = best->seconds() * 1e3;
  SmallVector<int16_t> allRows = problem.byLabel("rows", "out_channels");
  fuseTiles(problem,
            {SmallVector<int16_t>(best->choices), allRows,
             problem.fusedStacks(allRows)},
            *best, better);
  // The single device is the best one (speed, and the transfer of the
  // inputs and outputs it may need).
  std::string alone = "device 0";
  std::optional<SimState> bestAlone;
  for (int64_t d = 0; d < k; ++d) {
    std::string label = "device " + std::to_string(d);
    SimState s = problem.evaluate(problem.byLabel(label, label));
    if (!bestAlone || s.seconds() < bestAlone->seconds()) {
      bestAlone = std::move(s);
      alone = label;
    }
  }
  if (options.objective == Objective::Latency && sim.fitsMemory(*bestAlone) &&
      best->choices != bestAlone->choices &&
      best->seconds() > (1 - options.minGain) * bestAlone->seconds()) {
    result.declinedSplitMs = best->seconds() * 1e3;
    best = bestAlone;
  }
  result.fusedOps = problem.fusedCount(best->choices);
  result.policy = problem.policyOf(best->choices);
  result.prediction = sim.prediction(*best);
  result.layers = problem.layers(best->choices);

  // Baselines, in the same model.
  auto baseline = [&](StringRef name, ArrayRef<int16_t> choices) {
    result.baselines.push_back({name.str(), problem.policyOf(choices),
                                sim.prediction(problem.evaluate(choices))});
  };
  baseline("single device", problem.byLabel(alone, alone));
  baseline("out_channels", problem.byLabel("out_channels", alone));
  baseline("rows", allRows);
  // A layer pipeline: consecutive ops on devices 0..K-1, balanced by FLOPs.
  double total = 0;
  for (Operation *op : problem.decisions)
    total += workOf(op).flops;
  SmallVector<int16_t> pipeline;
  double before = 0;
  for (Operation *op : problem.decisions) {
    int64_t stage = std::min<int64_t>(k - 1, (int64_t)(before * k / total));
    pipeline.push_back(stage); // candidate `stage` is "device <stage>"
    before += workOf(op).flops;
  }
  baseline("pipeline", pipeline);
  // Fused tiles: `rows` where it applies, in stacks of four.
  if (problem.fusedCount(problem.fusedStacks(allRows)) > 0)
    baseline("fused tiles", problem.fusedStacks(allRows));
  return result;
}

FailureOr<Prediction> mlir::sepnn::predictPolicy(func::FuncOp model,
                                                 const Cluster &cluster,
                                                 const Policy &policy) {
  LayoutSim sim(model, cluster);
  sim.setTransmitDtype(policy.transmitDtype);
  int64_t k = (int64_t)cluster.devices.size();
  // Every entry must name a node: a typo must not silently do nothing.
  std::set<std::string> known;
  for (Operation *op : sim.ops())
    known.insert(nodeName(op));
  for (const auto &[name, entry] : policy.ops)
    if (!known.count(name))
      return model.emitError() << policy.file << ": " << entry.field
                               << ": no node named '" << name
                               << "' in the model";
  SimState s = sim.initialState();
  for (auto [i, op] : llvm::enumerate(sim.ops())) {
    std::optional<OpPolicy> choice;
    // Constants folded from a node (a batch norm's weights) carry its name
    // but take no strategy.
    auto it = op->hasTrait<OpTrait::ConstantLike>() ? policy.ops.end()
                                                    : policy.ops.find(nodeName(op));
    if (it != policy.ops.end())
      choice = it->second;
    else if (isa<nn::ConvOp, nn::GemmOp>(op))
      choice = policy.defaultPolicy && LayoutSim::isDecision(op)
                   ? *policy.defaultPolicy
                   : defaultSplit(op, k);
    if (choice && choice->split == Split::Rows && !rowWindow(op))
      return op->emitError("rows applies to 2-D Conv, MaxPool and AveragePool "
                           "nodes");
    sim.step(s, op, choice ? &*choice : nullptr);
    sim.retire(s, i);
  }
  return sim.prediction(s);
}

std::string mlir::sepnn::policyToJson(const Policy &policy) {
  auto entry = [](const OpPolicy &p) {
    llvm::json::Object o{{"split", splitName(p.split).str()}};
    if (p.transmitDtype)
      o["transmit_dtype"] = *p.transmitDtype;
    if (p.split == Split::Device) {
      o["device"] = p.devices.front();
      return o;
    }
    o["devices"] = llvm::json::Array(p.devices);
    if (p.split != Split::Replicate)
      o["sizes"] = llvm::json::Array(p.sizes);
    if (p.reduceTo)
      o["reduce_to"] = *p.reduceTo;
    if (!p.reduceScatter.empty())
      o["reduce_scatter"] = llvm::json::Array(p.reduceScatter);
    if (p.recomputeHalo)
      o["halo"] = "recompute";
    return o;
  };
  // One entry per line: readable and diffable.
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "{ \"version\": 1,\n  \"transmit_dtype\": "
     << llvm::json::Value(policy.transmitDtype);
  if (policy.defaultPolicy)
    os << ",\n  \"default\": "
       << llvm::json::Value(entry(*policy.defaultPolicy));
  os << ",\n  \"ops\": {";
  bool first = true;
  for (const auto &[name, p] : policy.ops) {
    os << (first ? "\n" : ",\n") << "    " << llvm::json::Value(name) << ": "
       << llvm::json::Value(entry(p));
    first = false;
  }
  os << " } }\n";
  return text;
}

std::string mlir::sepnn::layersToDot(const std::vector<LayerReport> &layers,
                                     const Cluster &cluster) {
  static const char *palette[] = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759",
                                  "#b07aa1", "#76b7b2", "#edc948", "#ff9da7"};
  auto colour = [&](size_t d) { return palette[d % std::size(palette)]; };
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "digraph policy {\n  rankdir=TB;\n"
        "  node [shape=box, style=\"striped,rounded\", fontsize=10];\n";
  // A legend: one node per device.
  os << "  subgraph cluster_legend {\n    label=\"devices\";\n";
  for (auto [d, device] : llvm::enumerate(cluster.devices))
    os << llvm::formatv("    dev{0} [label=\"{0}: {1}\", style=filled, "
                        "fillcolor=\"{2}\"];\n",
                        d, device.name, colour(d));
  os << "  }\n";
  for (auto [i, layer] : llvm::enumerate(layers)) {
    std::string fill;
    for (auto [d, share] : llvm::enumerate(layer.shares))
      if (share > 0)
        fill += llvm::formatv("{0}{1};{2:F3}", fill.empty() ? "" : ":",
                              colour(d), share)
                    .str();
    os << llvm::formatv("  n{0} [label=\"{1}\\n{2}: {3}\\n{4:F2} ms, {5} B in\", "
                        "fillcolor=\"{6}\"];\n",
                        i, layer.name.empty() ? layer.op : layer.name,
                        layer.op, layer.strategy, layer.computeMs + layer.transferMs,
                        layer.bytesIn, fill);
    for (size_t in : layer.inputs)
      os << llvm::formatv("  n{0} -> n{1};\n", in, i);
  }
  os << "}\n";
  return text;
}
