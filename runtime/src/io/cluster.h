// CLUSTER.json (design.md §4.2): the devices, their addresses and the transport.
#ifndef SEPNN_RT_IO_CLUSTER_H
#define SEPNN_RT_IO_CLUSTER_H

#include <string>
#include <vector>

namespace sepnn {
namespace rt {

struct DeviceInfo {
  std::string name;
  std::string host;
  int port = 0;
  double gflops = 0; // unused by the runtime, checked for type only
  double memMb = 0;
};

struct Cluster {
  std::vector<DeviceInfo> devices;
  std::string transport = "tcp";
  // "key_file", resolved against the cluster file's directory; empty: no key.
  std::string keyFile;
};

// Errors: "<file>: devices[1].port: expected an integer".
Cluster parseCluster(const std::string &text, const std::string &file);
Cluster loadCluster(const std::string &path);
// The pre-shared key named by the cluster file ("" without one). Errors name the
// cluster file and the field: a missing or short key file, or a runtime built
// without OpenSSL.
std::string loadClusterKey(const Cluster &cluster, const std::string &clusterPath);

} // namespace rt
} // namespace sepnn

#endif
