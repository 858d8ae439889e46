#include "io/cluster.h"

#include <cmath>

#include "io/file.h"
#include "io/json.h"
#include "tensor.h"
#include "transport/auth.h"

namespace sepnn {
namespace rt {
namespace {

struct Checker {
  const std::string &file;

  [[noreturn]] void bad(const std::string &field, const std::string &msg) const {
    fail(file, ": ", field, ": ", msg);
  }
  const Json &get(const Json &obj, const std::string &path, const char *key) const {
    const Json *v = obj.find(key);
    if (!v)
      bad(path + key, "missing");
    return *v;
  }
  void expect(const Json &v, Json::Kind k, const std::string &field) const {
    if (v.kind != k)
      bad(field, std::string("expected ") + Json::kindName(k) + ", found " +
                     Json::kindName(v.kind));
  }
  std::string string(const Json &obj, const std::string &path, const char *key) const {
    const Json &v = get(obj, path, key);
    expect(v, Json::String, path + key);
    if (v.str.empty())
      bad(path + key, "must not be empty");
    return v.str;
  }
  // Optional number (the runtime does not use it, but a wrong type is still a bug).
  double optNumber(const Json &obj, const std::string &path, const char *key) const {
    const Json *v = obj.find(key);
    if (!v)
      return 0;
    expect(*v, Json::Number, path + key);
    return v->number;
  }
};

} // namespace

Cluster parseCluster(const std::string &text, const std::string &file) {
  const Json root = parseJson(text, file);
  const Checker c{file};
  c.expect(root, Json::Object, "top level");
  Cluster cl;
  const Json &devs = c.get(root, "", "devices");
  c.expect(devs, Json::Array, "devices");
  if (devs.items.empty())
    c.bad("devices", "must list at least one device");
  for (size_t k = 0; k < devs.items.size(); ++k) {
    const Json &d = devs.items[k];
    const std::string path = "devices[" + std::to_string(k) + "].";
    c.expect(d, Json::Object, "devices[" + std::to_string(k) + "]");
    DeviceInfo info;
    info.name = c.string(d, path, "name");
    info.host = c.string(d, path, "host");
    const Json &port = c.get(d, path, "port");
    // 47000.0 is the integer 47000, as the compiler's reader (LLVM's JSON) sees it.
    if (port.kind != Json::Number || !(port.isInteger || port.number == std::floor(port.number)))
      c.bad(path + "port", "expected an integer");
    if (!(port.number >= 1 && port.number <= 65535))
      c.bad(path + "port", "must be in 1..65535, got " + (port.isInteger
                                                              ? std::to_string(port.integer)
                                                              : std::to_string(port.number)));
    info.port = (int)port.number;
    info.gflops = c.optNumber(d, path, "gflops");
    info.memMb = c.optNumber(d, path, "mem_mb");
    cl.devices.push_back(info);
  }
  if (const Json *links = root.find("links"))
    c.expect(*links, Json::Object, "links");
  if (const Json *t = root.find("transport")) {
    c.expect(*t, Json::String, "transport");
    if (t->str != "tcp" && t->str != "mpi")
      c.bad("transport", "\"" + t->str + "\" is not a transport (expected \"tcp\" or \"mpi\")");
    cl.transport = t->str;
  }
  if (root.find("key_file")) {
    cl.keyFile = c.string(root, "", "key_file");
    const size_t slash = file.rfind('/');
    if (cl.keyFile[0] != '/' && slash != std::string::npos)
      cl.keyFile = file.substr(0, slash + 1) + cl.keyFile;
  }
  return cl;
}

Cluster loadCluster(const std::string &path) { return parseCluster(readFile(path), path); }

std::string loadClusterKey(const Cluster &cluster, const std::string &clusterPath) {
  if (cluster.keyFile.empty())
    return "";
  if (!auth::available())
    fail(clusterPath, ": key_file: this runtime was built without OpenSSL (libssl-dev), "
                      "so it cannot use a cluster key");
  std::string key;
  try {
    key = readFile(cluster.keyFile);
  } catch (const Error &e) {
    fail(clusterPath, ": key_file: ", e.what());
  }
  if (key.size() < auth::kMinKeyBytes)
    fail(clusterPath, ": key_file: ", cluster.keyFile, " holds ", key.size(),
         " bytes, a cluster key needs at least ", auth::kMinKeyBytes,
         " (make one with: head -c 32 /dev/urandom > ", cluster.keyFile, ")");
  return key;
}

} // namespace rt
} // namespace sepnn
