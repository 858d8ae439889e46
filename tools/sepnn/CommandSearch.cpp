// sepnn search: the split-and-transmit policy for a model on a cluster, with
// the predicted figures of it and of the fixed baselines.
#include "Args.h"
#include "Commands.h"
#include "ModelLoading.h"
#include "sepnn/Search/Search.h"
#include "sepnn/Support/Cluster.h"
#include "sepnn/Support/Policy.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>

using namespace mlir;
using namespace ::sepnn::driver;

namespace {

void printPrediction(llvm::raw_ostream &os, const mlir::sepnn::Cluster &cluster,
                     const mlir::sepnn::Prediction &p) {
  os << llvm::formatv("  predicted latency: {0:F3} ms, {1} bytes/inference\n",
                      p.latencyMs, p.bytes);
  for (auto [d, device] : llvm::enumerate(cluster.devices))
    os << llvm::formatv("  device {0} ({1}): compute {2:F3} ms, memory {3:F1} MB\n",
                        d, device.name, p.computeMs[d],
                        p.memoryBytes[d] / 1048576.0);
  for (auto &[link, bytes] : p.links)
    os << llvm::formatv("  link {0}->{1}: {2} bytes/inference\n", link.first,
                        link.second, bytes);
}

void writePrediction(llvm::json::OStream &j, const mlir::sepnn::Prediction &p) {
  j.attribute("latency_ms", p.latencyMs);
  j.attribute("bytes_per_inference", p.bytes);
  j.attributeObject("links", [&] {
    for (auto &[link, bytes] : p.links)
      j.attribute(llvm::formatv("{0}->{1}", link.first, link.second).str(),
                  bytes);
  });
  j.attributeArray("compute_ms", [&] {
    for (double ms : p.computeMs)
      j.value(ms);
  });
  j.attributeArray("memory_bytes", [&] {
    for (int64_t b : p.memoryBytes)
      j.value(b);
  });
  j.attribute("fits_memory", p.fitsMemory);
}

} // namespace

int ::sepnn::driver::runSearch(int argc, char **argv) {
  auto args = parseArgs(argc, argv, 2,
                        {"--cluster", "-o", "--objective", "--report",
                         "--input-shape", "--beam", "--policy", "--dot",
                         "--baselines", "--compress", "--min-gain"},
                        {"--exhaustive", "--layers"});
  if (!args)
    return reportError(args.takeError());
  if (args->positional.size() != 1)
    return reportError("search: expected one MODEL.onnx");
  if (!args->has("--cluster"))
    return reportError("search: missing --cluster CLUSTER.json");
  if (!args->has("-o") && !args->has("--policy"))
    return reportError("search: missing -o POLICY.json");
  mlir::sepnn::SearchOptions options;
  std::string objective = args->get("--objective", "latency");
  if (objective == "bytes")
    options.objective = mlir::sepnn::Objective::Bytes;
  else if (objective != "latency")
    return reportError("--objective: expected latency or bytes, got '" +
                       objective + "'");
  auto beam = args->getInt("--beam", options.beamWidth);
  if (!beam)
    return reportError(beam.takeError());
  if (*beam < 1)
    return reportError("--beam: must be at least 1");
  options.beamWidth = *beam;
  options.exhaustive = args->has("--exhaustive");
  auto minGain = args->getReal("--min-gain", options.minGain);
  if (!minGain)
    return reportError(minGain.takeError());
  if (!(*minGain >= 0 && *minGain < 1))
    return reportError("--min-gain: expected a fraction from 0 to 1 (0.05: 5%), "
                       "got '" + args->get("--min-gain") + "'");
  options.minGain = *minGain;
  // --compress f16[,int8]: transfer types the search may choose per op (the
  // string outlives the loop: split() only refers to it).
  const std::string compress = args->get("--compress");
  for (llvm::StringRef dtype : llvm::split(compress, ',')) {
    if (dtype.empty())
      continue;
    if (dtype != "f16" && dtype != "int8")
      return reportError("--compress: expected f16 and/or int8 (comma-separated), "
                         "got '" + dtype.str() + "'");
    options.compress.push_back(dtype.str());
  }

  auto cluster = mlir::sepnn::readClusterFile(args->get("--cluster"));
  if (!cluster)
    return reportError(cluster.takeError());
  DriverContext driver;
  std::string model = args->positional[0];
  auto module = importModel(*args, model, &driver.context);
  if (!module)
    return reportError(module.takeError());
  FailureOr<func::FuncOp> func = cleanModel(**module, model);
  if (failed(func))
    return 1;

  if (args->has("--policy")) {
    // The figures of a given policy, without searching.
    auto policy = mlir::sepnn::readPolicyFile(args->get("--policy"));
    if (!policy)
      return reportError(policy.takeError());
    auto prediction = mlir::sepnn::predictPolicy(*func, *cluster, *policy);
    if (failed(prediction))
      return 1;
    llvm::outs() << llvm::formatv("sepnn search: {0} with {1} on {2} devices\n",
                                  model, args->get("--policy"),
                                  cluster->devices.size());
    printPrediction(llvm::outs(), *cluster, *prediction);
    if (args->has("--report"))
      if (auto e = writeJson(args->get("--report"), [&](llvm::json::OStream &j) {
            j.attribute("model", model);
            j.attribute("policy", args->get("--policy"));
            j.attributeObject("predicted",
                              [&] { writePrediction(j, *prediction); });
          }))
        return reportError(std::move(e));
    return 0;
  }

  auto start = std::chrono::steady_clock::now();
  auto result = mlir::sepnn::searchPolicy(*func, *cluster, options);
  double seconds = std::chrono::duration<double>(
                       std::chrono::steady_clock::now() - start)
                       .count();
  if (failed(result))
    return 1;
  std::string out = args->get("-o");
  if (auto e = writeText(out, mlir::sepnn::policyToJson(result->policy)))
    return reportError(std::move(e));
  const char *kind = options.exhaustive ? "exhaustive"
                     : result->exact    ? "exact"
                                        : "beam";

  llvm::raw_ostream &os = llvm::outs();
  os << llvm::formatv("sepnn search: {0} on {1} devices, objective {2}\n",
                      model, cluster->devices.size(), objective);
  os << llvm::formatv("  {0} ops split, {1} {2}, {3:F2} s; policy in {4}\n",
                      result->decisions, result->evaluated,
                      options.exhaustive ? "combinations enumerated"
                                         : "transitions",
                      seconds, out);
  os << "  search: "
     << (options.exhaustive ? "exhaustive"
         : result->exact    ? "exact (dynamic programming)"
                            : "beam (heuristic: states were dropped)")
     << "; then fused tiles tried op by op: "
     << (result->fusedOps
             ? llvm::formatv("{0} ops fused ({1:F3} -> {2:F3} ms)", result->fusedOps,
                             result->unfusedLatencyMs, result->prediction.latencyMs)
                   .str()
             : std::string("none helps"))
     << "\n";
  if (result->declinedSplitMs)
    os << llvm::formatv("  kept on one device: the best split, {0:F3} ms, is not "
                        "{1:P0} faster (--min-gain)\n",
                        *result->declinedSplitMs, options.minGain);
  printPrediction(os, *cluster, result->prediction);
  os << "  baselines (predicted):\n";
  for (const auto &b : result->baselines)
    os << llvm::formatv("    {0,-14} {1,10:F3} ms {2,14} bytes/inference{3}\n",
                        b.name, b.prediction.latencyMs, b.prediction.bytes,
                        b.prediction.fitsMemory ? "" : " (exceeds mem_mb)");
  os << llvm::formatv("    {0,-14} {1,10:F3} ms {2,14} bytes/inference\n",
                      "searched", result->prediction.latencyMs,
                      result->prediction.bytes);
  if (args->has("--layers")) {
    // The per-layer chart: strategy, each device's share, time and traffic.
    os << "  layers (strategy, share per device, compute + transfer ms, bytes in):\n";
    for (const auto &layer : result->layers) {
      std::string shares;
      for (auto [d, share] : llvm::enumerate(layer.shares))
        if (share > 0)
          shares += llvm::formatv("{0}{1}:{2:P0}", shares.empty() ? "" : " ",
                                  d, share)
                        .str();
      os << llvm::formatv("    {0,-36} {1,-12} {2,-20} {3,8:F3} + {4,7:F3} ms {5,10} B\n",
                          layer.name.empty() ? layer.op : layer.name,
                          layer.strategy, shares + " " + layer.axis,
                          layer.computeMs, layer.transferMs, layer.bytesIn);
    }
  }
  if (args->has("--baselines")) {
    // Each baseline's POLICY.json ("single device" -> single_device.json),
    // for measuring them (bench/).
    std::string dir = args->get("--baselines");
    if (auto e = llvm::sys::fs::create_directories(dir))
      return reportError(dir + ": cannot create: " + e.message());
    for (const auto &b : result->baselines) {
      std::string name = b.name;
      std::replace(name.begin(), name.end(), ' ', '_');
      if (auto e = writeText(dir + "/" + name + ".json",
                             mlir::sepnn::policyToJson(b.policy)))
        return reportError(std::move(e));
    }
  }
  if (args->has("--dot")) {
    if (auto e = writeText(args->get("--dot"),
                           mlir::sepnn::layersToDot(result->layers, *cluster)))
      return reportError(std::move(e));
    os << "  picture: " << args->get("--dot") << " (dot -Tpng "
       << args->get("--dot") << " -o policy.png)\n";
  }
  if (args->has("--report"))
    if (auto e = writeJson(args->get("--report"), [&](llvm::json::OStream &j) {
          j.attribute("model", model);
          j.attribute("objective", objective);
          j.attribute("search", kind);
          j.attribute("search_seconds", seconds);
          j.attribute("decisions", result->decisions);
          j.attribute("evaluated", result->evaluated);
          j.attribute("fused_ops", result->fusedOps);
          j.attribute("unfused_latency_ms", result->unfusedLatencyMs);
          if (result->declinedSplitMs)
            j.attribute("declined_split_ms", *result->declinedSplitMs);
          j.attributeObject("predicted",
                            [&] { writePrediction(j, result->prediction); });
          j.attributeObject("baselines", [&] {
            for (const auto &b : result->baselines)
              j.attributeObject(b.name, [&] { writePrediction(j, b.prediction); });
          });
          j.attributeArray("layers", [&] {
            for (const auto &layer : result->layers)
              j.object([&] {
                j.attribute("name", layer.name);
                j.attribute("op", layer.op);
                j.attribute("strategy", layer.strategy);
                j.attribute("axis", layer.axis);
                j.attributeArray("shares", [&] {
                  for (double share : layer.shares)
                    j.value(share);
                });
                j.attribute("compute_ms", layer.computeMs);
                j.attribute("transfer_ms", layer.transferMs);
                j.attribute("bytes_in", layer.bytesIn);
              });
          });
        }))
      return reportError(std::move(e));
  return 0;
}
