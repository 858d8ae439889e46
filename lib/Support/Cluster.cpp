#include "sepnn/Support/Cluster.h"
#include "JsonFields.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"

using namespace llvm;
using namespace mlir::sepnn;

static Expected<ClusterDevice> parseDevice(const jf::Fields &f) {
  if (Error e = f.onlyKeys({"name", "host", "port", "gflops", "mem_mb"}))
    return std::move(e);
  ClusterDevice device;
  Expected<std::string> name = f.string("name");
  Expected<std::string> host = f.string("host");
  Expected<int64_t> port = f.integer("port");
  if (!name)
    return name.takeError();
  if (!host)
    return host.takeError();
  if (!port)
    return port.takeError();
  if (*port <= 0 || *port > 65535)
    return jf::fieldError(f.file, f.child("port"),
                            "port must be in 1..65535");
  device.name = *name;
  device.host = *host;
  device.port = *port;
  if (Error e = f.optionalNumber("gflops", device.gflops))
    return std::move(e);
  if (Error e = f.optionalInteger("mem_mb", device.memMb))
    return std::move(e);
  return device;
}

Expected<Cluster> mlir::sepnn::parseCluster(StringRef text, StringRef file) {
  Expected<json::Value> root = jf::parseObject(text, file);
  if (!root)
    return root.takeError();
  jf::Fields top{file, "", *root->getAsObject()};
  if (Error e = top.onlyKeys({"devices", "links", "transport"}))
    return std::move(e);
  Cluster cluster;
  cluster.file = file.str();
  Expected<const json::Array *> devices = top.array("devices");
  if (!devices)
    return devices.takeError();
  if ((*devices)->empty())
    return jf::fieldError(file, "devices", "needs at least one device");
  for (auto [i, value] : llvm::enumerate(**devices)) {
    std::string path = formatv("devices[{0}]", i).str();
    const json::Object *entry = value.getAsObject();
    if (!entry)
      return jf::fieldError(file, path, "expected an object");
    Expected<ClusterDevice> device = parseDevice({file, path, *entry});
    if (!device)
      return device.takeError();
    cluster.devices.push_back(*device);
  }
  if (top.has("links")) {
    Expected<const json::Object *> links = top.object_("links");
    if (!links)
      return links.takeError();
    jf::Fields linkFields{file, "links", **links};
    if (linkFields.has("default")) {
      Expected<const json::Object *> def = linkFields.object_("default");
      if (!def)
        return def.takeError();
      jf::Fields d{file, "links.default", **def};
      if (Error e = d.onlyKeys({"mbps", "latency_ms"}))
        return std::move(e);
      if (Error e = d.optionalNumber("mbps", cluster.defaultMbps))
        return std::move(e);
      if (Error e = d.optionalNumber("latency_ms", cluster.defaultLatencyMs))
        return std::move(e);
    }
  }
  if (Error e = top.optionalString("transport", cluster.transport))
    return std::move(e);
  if (cluster.transport != "tcp" && cluster.transport != "mpi")
    return jf::fieldError(file, "transport",
                          "'" + cluster.transport +
                              "' is not a transport (expected tcp or mpi)");
  return cluster;
}

Expected<Cluster> mlir::sepnn::readClusterFile(StringRef path) {
  Expected<std::string> text = jf::readFile(path);
  if (!text)
    return text.takeError();
  return parseCluster(*text, path);
}
