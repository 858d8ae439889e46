// CLUSTER.json (design.md 4.2): the devices and links of a cluster.
#ifndef SEPNN_SUPPORT_CLUSTER_H
#define SEPNN_SUPPORT_CLUSTER_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace mlir::sepnn {

struct ClusterDevice {
  std::string name;
  std::string host;
  int64_t port = 0;
  double gflops = 0;
  int64_t memMb = 0;
};

struct Cluster {
  std::string file;
  std::vector<ClusterDevice> devices;
  double defaultMbps = 100;
  double defaultLatencyMs = 0.5;
  std::string transport = "tcp";
};

/// Parses CLUSTER.json text; errors read `<file>: <field>: <problem>`.
llvm::Expected<Cluster> parseCluster(llvm::StringRef text,
                                     llvm::StringRef file);
llvm::Expected<Cluster> readClusterFile(llvm::StringRef path);

} // namespace mlir::sepnn

#endif
