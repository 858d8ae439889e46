// Fuzzes the runtime's cluster.json reader (sepnn::rt::parseCluster, the text
// behind loadCluster) and its JSON parser: any text gives a Cluster or an
// rt::Error, never a crash or another exception; an accepted cluster is what
// the device main relies on. Also checks that jsonQuote (the report writer)
// round-trips through parseJson for any string.
#include "FuzzCheck.h"

#include "io/cluster.h"
#include "io/json.h"
#include "tensor.h"

#include <cstdint>
#include <string>

using namespace sepnn::rt;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const std::string text(reinterpret_cast<const char *>(data), size);
  try {
    Cluster c = parseCluster(text, "fuzz-cluster.json");
    FUZZ_CHECK(!c.devices.empty(), "accepted a cluster without devices");
    for (const DeviceInfo &d : c.devices) {
      FUZZ_CHECK(!d.name.empty() && !d.host.empty(), "empty name or host");
      FUZZ_CHECK(d.port >= 1 && d.port <= 65535, "port %d", d.port);
    }
    FUZZ_CHECK(c.transport == "tcp" || c.transport == "mpi", "transport '%s'",
               c.transport.c_str());
  } catch (const Error &e) {
    FUZZ_CHECK(std::string(e.what()).rfind("fuzz-cluster.json:", 0) == 0,
               "error does not name the file: %s", e.what());
  }

  try {
    Json v = parseJson(jsonQuote(text), "quoted");
    FUZZ_CHECK(v.kind == Json::String && v.str == text,
               "jsonQuote does not round-trip");
  } catch (const Error &e) {
    FUZZ_CHECK(false, "jsonQuote output does not parse: %s", e.what());
  }
  return 0;
}
