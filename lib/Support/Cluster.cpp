#include "sepnn/Support/Cluster.h"
#include "JsonFields.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"

using namespace llvm;
using namespace mlir::sepnn;

static Expected<ClusterDevice> parseDevice(const jf::Fields &f) {
  if (Error e =
          f.onlyKeys({"name", "host", "port", "gflops", "mem_mb", "profile"}))
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
  // The device executables read the same file and refuse these too.
  if (name->empty())
    return jf::fieldError(f.file, f.child("name"), "must not be empty");
  if (host->empty())
    return jf::fieldError(f.file, f.child("host"), "must not be empty");
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
  if (f.has("profile")) {
    Expected<const json::Object *> profile = f.object_("profile");
    if (!profile)
      return profile.takeError();
    std::string profilePath = f.child("profile"); // p.path refers to it
    jf::Fields p{f.file, profilePath, **profile};
    // GFLOP/s per op class, then the kernel model's parameters (search.md).
    if (Error e = p.onlyKeys({"conv", "conv1x1", "depthwise", "gemm", "elementwise",
                              "concat_gfloats", "gemm_gflops", "im2col_gfloats",
                              "dense_gfloats", "winograd_gvalues", "gemv_gbps", "mr",
                              "nr"}))
      return std::move(e);
    for (const auto &kv : **profile) {
      Expected<double> rate = p.number(kv.first);
      if (!rate)
        return rate.takeError();
      if (!(*rate > 0))
        return jf::fieldError(f.file, p.child(kv.first),
                              "must be a positive number");
      device.profile[kv.first.str()] = *rate;
    }
  }
  return device;
}

/// A link's figures over `link` (what it does not say stays as it is).
static Error readLink(const jf::Fields &d, Link &link) {
  if (Error e =
          d.onlyKeys({"mbps", "latency_ms", "duplex_mbps", "cpu_ns_per_byte"}))
    return e;
  if (Error e = d.optionalNumber("mbps", link.mbps))
    return e;
  if (Error e = d.optionalNumber("latency_ms", link.latencyMs))
    return e;
  if (Error e = d.optionalNumber("duplex_mbps", link.duplexMbps))
    return e;
  if (Error e = d.optionalNumber("cpu_ns_per_byte", link.cpuNsPerByte))
    return e;
  if (!(link.mbps > 0))
    return jf::fieldError(d.file, d.child("mbps"), "must be positive");
  if (d.object.get("duplex_mbps") && !(link.duplexMbps > 0))
    return jf::fieldError(d.file, d.child("duplex_mbps"), "must be positive");
  if (!(link.cpuNsPerByte >= 0))
    return jf::fieldError(d.file, d.child("cpu_ns_per_byte"),
                          "must not be negative");
  return Error::success();
}

Expected<Cluster> mlir::sepnn::parseCluster(StringRef text, StringRef file) {
  Expected<json::Value> root = jf::parseObject(text, file);
  if (!root)
    return root.takeError();
  jf::Fields top{file, "", *root->getAsObject()};
  if (Error e = top.onlyKeys({"devices", "links", "transport", "key_file"}))
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
    // Two devices on one address cannot both listen there; names identify
    // devices in messages, links and reports.
    for (auto [j, other] : llvm::enumerate(cluster.devices)) {
      if (other.name == device->name)
        return jf::fieldError(file, path + ".name",
                              formatv("'{0}' is also the name of devices[{1}]",
                                      device->name, j));
      if (other.host == device->host && other.port == device->port)
        return jf::fieldError(file, path + ".port",
                              formatv("{0}:{1} is also the address of devices[{2}]",
                                      device->host, device->port, j));
    }
    cluster.devices.push_back(*device);
  }
  if (top.has("links")) {
    Expected<const json::Object *> links = top.object_("links");
    if (!links)
      return links.takeError();
    jf::Fields linkFields{file, "links", **links};
    // "default", or "A-B" for the pair of devices A and B (names or ranks).
    auto rankOf = [&](StringRef key) -> std::optional<int64_t> {
      for (auto [i, d] : llvm::enumerate(cluster.devices))
        if (d.name == key)
          return i;
      int64_t rank;
      if (!key.getAsInteger(10, rank) && rank >= 0 &&
          rank < (int64_t)cluster.devices.size())
        return rank;
      return std::nullopt;
    };
    // The default first: a pair inherits what it does not say.
    SmallVector<StringRef> keys;
    for (const auto &kv : **links)
      keys.push_back(kv.first);
    llvm::sort(keys, [](StringRef a, StringRef b) {
      return (a == "default") != (b == "default") ? a == "default" : a < b;
    });
    for (StringRef key : keys) {
      std::string path = linkFields.child(key);
      const json::Object *object = (*links)->get(key)->getAsObject();
      if (!object)
        return jf::fieldError(file, path, "expected an object");
      jf::Fields d{file, path, *object};
      if (key == "default") {
        if (Error e = readLink(d, cluster.defaultLink))
          return std::move(e);
        continue;
      }
      auto [a, b] = key.split('-');
      std::optional<int64_t> ra = rankOf(a), rb = rankOf(b);
      if (!ra || !rb || *ra == *rb)
        return jf::fieldError(file, path,
                              "expected 'default' or 'A-B' naming two "
                              "devices of the cluster");
      Link link = cluster.defaultLink;
      if (Error e = readLink(d, link))
        return std::move(e);
      cluster.pairLinks[{std::min(*ra, *rb), std::max(*ra, *rb)}] = link;
    }
  }
  if (Error e = top.optionalString("transport", cluster.transport))
    return std::move(e);
  if (cluster.transport != "tcp" && cluster.transport != "mpi")
    return jf::fieldError(file, "transport",
                          "'" + cluster.transport +
                              "' is not a transport (expected tcp or mpi)");
  if (Error e = top.optionalString("key_file", cluster.keyFile))
    return std::move(e);
  if (top.object.get("key_file") && cluster.keyFile.empty())
    return jf::fieldError(file, "key_file", "must not be empty");
  return cluster;
}

Expected<Cluster> mlir::sepnn::readClusterFile(StringRef path) {
  Expected<std::string> text = jf::readFile(path);
  if (!text)
    return text.takeError();
  return parseCluster(*text, path);
}
