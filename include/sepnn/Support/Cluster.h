// CLUSTER.json (design.md 4.2): the devices and links of a cluster.
#ifndef SEPNN_SUPPORT_CLUSTER_H
#define SEPNN_SUPPORT_CLUSTER_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <map>
#include <string>
#include <vector>

namespace mlir::sepnn {

struct ClusterDevice {
  std::string name;
  std::string host;
  int64_t port = 0;
  double gflops = 0;
  int64_t memMb = 0;
  /// Measured GFLOP/s per op class (conv, conv1x1, depthwise, gemm,
  /// elementwise) and the kernel model's parameters (gemm_gflops, ...), as
  /// `sepnn profile` writes them; `gflops` stands in for a class without a
  /// figure.
  std::map<std::string, double> profile;
};

struct Link {
  double mbps = 100;
  double latencyMs = 0.5;
  /// Each way while both directions carry data at once ("duplex_mbps"); 0: as
  /// `mbps`. Lower where the devices' CPUs, not the wire, bound the rate.
  double duplexMbps = 0;
  /// CPU time a device spends per byte it sends or receives on the link
  /// ("cpu_ns_per_byte": its TCP stack, the runtime's copies and checksums),
  /// taken from the compute it shares the core with.
  double cpuNsPerByte = 0;
};

struct Cluster {
  std::string file;
  std::vector<ClusterDevice> devices;
  Link defaultLink; // "links": {"default": {...}}
  /// Per-pair overrides ("links": {"pi0-pi1": {...}}), by ranks (a < b).
  std::map<std::pair<int64_t, int64_t>, Link> pairLinks;
  std::string transport = "tcp";
  /// The pre-shared key's file as written ("key_file"; relative to the cluster
  /// file's directory), empty without one. Devices prove it to each other.
  std::string keyFile;

  /// The link between two devices (either order).
  Link link(int64_t a, int64_t b) const {
    auto it = pairLinks.find({std::min(a, b), std::max(a, b)});
    return it != pairLinks.end() ? it->second
                                 : defaultLink;
  }
};

/// Parses CLUSTER.json text; errors read `<file>: <field>: <problem>`.
llvm::Expected<Cluster> parseCluster(llvm::StringRef text,
                                     llvm::StringRef file);
llvm::Expected<Cluster> readClusterFile(llvm::StringRef path);

} // namespace mlir::sepnn

#endif
