// Fuzzes the compiler's CLUSTER.json reader (mlir::sepnn::parseCluster): any text
// gives a Cluster or an llvm::Error naming the file, never a crash; an accepted
// cluster satisfies what the cost model and the emitter rely on.
#include "FuzzCheck.h"

#include "sepnn/Support/Cluster.h"

#include <cstdint>
#include <string>

using namespace mlir::sepnn;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  llvm::Expected<Cluster> cluster = parseCluster(text, "fuzz-cluster.json");
  if (!cluster) {
    std::string message = llvm::toString(cluster.takeError());
    FUZZ_CHECK(llvm::StringRef(message).starts_with("fuzz-cluster.json: "),
               "error does not name the file: %s", message.c_str());
    return 0;
  }
  FUZZ_CHECK(!cluster->devices.empty(), "accepted a cluster without devices");
  for (const ClusterDevice &d : cluster->devices) {
    FUZZ_CHECK(d.port >= 1 && d.port <= 65535, "port %lld", (long long)d.port);
    for (const auto &[kind, rate] : d.profile)
      FUZZ_CHECK(rate > 0, "profile %s = %g", kind.c_str(), rate);
  }
  FUZZ_CHECK(cluster->transport == "tcp" || cluster->transport == "mpi",
             "transport '%s'", cluster->transport.c_str());
  FUZZ_CHECK(cluster->defaultLink.mbps > 0, "default mbps %g", cluster->defaultLink.mbps);
  const int64_t n = (int64_t)cluster->devices.size();
  for (const auto &[pair, link] : cluster->pairLinks) {
    FUZZ_CHECK(pair.first >= 0 && pair.first < pair.second && pair.second < n,
               "link %lld-%lld", (long long)pair.first, (long long)pair.second);
    FUZZ_CHECK(link.mbps > 0, "link mbps %g", link.mbps);
  }
  // The cost model asks for every pair.
  for (int64_t a = 0; a < n && a < 16; ++a)
    for (int64_t b = 0; b < n && b < 16; ++b)
      FUZZ_CHECK(cluster->link(a, b).mbps > 0, "link(%lld, %lld)", (long long)a,
                 (long long)b);
  return 0;
}
