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
};

// Errors: "<file>: devices[1].port: expected an integer".
Cluster parseCluster(const std::string &text, const std::string &file);
Cluster loadCluster(const std::string &path);

} // namespace rt
} // namespace sepnn

#endif
