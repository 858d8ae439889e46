#include "sepnn/Support/Policy.h"
#include "JsonFields.h"

#include "llvm/Support/MemoryBuffer.h"

using namespace llvm;
using namespace mlir::sepnn;

StringRef mlir::sepnn::splitName(Split split) {
  switch (split) {
  case Split::OutChannels:
    return "out_channels";
  case Split::InChannels:
    return "in_channels";
  case Split::Rows:
    return "rows";
  case Split::Device:
    return "device";
  case Split::Replicate:
    return "replicate";
  }
  return "?";
}

/// f32, f16 or int8 (per-channel scale), as the runtime's wire types.
static Error checkTransmitDtype(const jf::Fields &f, const std::string &dtype) {
  if (dtype == "f32" || dtype == "f16" || dtype == "int8")
    return Error::success();
  return jf::fieldError(f.file, f.child("transmit_dtype"),
                        "'" + dtype + "' is not a transfer type (expected "
                                      "f32, f16 or int8)");
}

static Expected<OpPolicy> parseOpPolicy(const jf::Fields &f) {
  OpPolicy op;
  op.field = f.path.str();
  if (f.has("transmit_dtype")) {
    std::string dtype;
    if (Error e = f.optionalString("transmit_dtype", dtype))
      return std::move(e);
    if (Error e = checkTransmitDtype(f, dtype))
      return std::move(e);
    op.transmitDtype = dtype;
  }
  Expected<std::string> split = f.string("split");
  if (!split)
    return split.takeError();
  std::optional<Split> kind;
  for (Split s : {Split::OutChannels, Split::InChannels, Split::Rows,
                  Split::Device, Split::Replicate})
    if (*split == splitName(s))
      kind = s;
  if (!kind)
    return jf::fieldError(f.file, f.child("split"),
                            "unknown strategy '" + *split +
                                "' (expected out_channels, in_channels, "
                                "rows, device or replicate)");
  op.split = *kind;
  if (op.split == Split::Device) {
    if (Error e = f.onlyKeys({"split", "device", "transmit_dtype"}))
      return std::move(e);
    Expected<int64_t> device = f.integer("device");
    if (!device)
      return device.takeError();
    if (*device < 0)
      return jf::fieldError(f.file, f.child("device"),
                              "device must be non-negative");
    op.devices = {*device};
    return op;
  }
  if (Error e = f.onlyKeys({"split", "devices", "sizes", "reduce_to",
                            "reduce_scatter", "halo", "transmit_dtype"}))
    return std::move(e);
  Expected<std::vector<int64_t>> devices = f.integers("devices");
  if (!devices)
    return devices.takeError();
  if (devices->empty())
    return jf::fieldError(f.file, f.child("devices"),
                            "needs at least one device");
  for (int64_t d : *devices)
    if (d < 0)
      return jf::fieldError(f.file, f.child("devices"),
                              "device ids must be non-negative");
  op.devices = *devices;
  if (op.split != Split::Replicate) {
    Expected<std::vector<int64_t>> sizes = f.integers("sizes");
    if (!sizes)
      return sizes.takeError();
    if (sizes->size() != devices->size())
      return jf::fieldError(f.file, f.child("sizes"),
                              "has " + Twine(sizes->size()) +
                                  " entries but 'devices' has " +
                                  Twine(devices->size()));
    for (int64_t s : *sizes)
      if (s <= 0)
        return jf::fieldError(f.file, f.child("sizes"),
                                "sizes must be positive");
    op.sizes = *sizes;
  }
  if (f.has("reduce_to")) {
    int64_t reduceTo = 0;
    if (Error e = f.optionalInteger("reduce_to", reduceTo))
      return std::move(e);
    op.reduceTo = reduceTo;
  }
  if (f.has("reduce_scatter")) {
    if (op.split != Split::InChannels || op.reduceTo)
      return jf::fieldError(f.file, f.child("reduce_scatter"),
                            "only for in_channels, instead of reduce_to");
    Expected<std::vector<int64_t>> sizes = f.integers("reduce_scatter");
    if (!sizes)
      return sizes.takeError();
    if (sizes->size() != devices->size())
      return jf::fieldError(f.file, f.child("reduce_scatter"),
                            "has " + Twine(sizes->size()) +
                                " entries but 'devices' has " +
                                Twine(devices->size()));
    for (int64_t s : *sizes)
      if (s < 0)
        return jf::fieldError(f.file, f.child("reduce_scatter"),
                              "sizes must be non-negative");
    op.reduceScatter = *sizes;
  }
  if (f.has("halo")) {
    std::string halo;
    if (Error e = f.optionalString("halo", halo))
      return std::move(e);
    if (op.split != Split::Rows || (halo != "exchange" && halo != "recompute"))
      return jf::fieldError(f.file, f.child("halo"),
                            "expected 'exchange' or 'recompute' on a rows "
                            "entry");
    op.recomputeHalo = halo == "recompute";
  }
  return op;
}

Expected<Policy> mlir::sepnn::parsePolicy(StringRef text, StringRef file) {
  Expected<json::Value> root = jf::parseObject(text, file);
  if (!root)
    return root.takeError();
  jf::Fields top{file, "", *root->getAsObject()};
  if (Error e = top.onlyKeys({"version", "transmit_dtype", "default", "ops"}))
    return std::move(e);
  Policy policy;
  policy.file = file.str();
  if (Error e = top.optionalInteger("version", policy.version))
    return std::move(e);
  if (policy.version != 1)
    return jf::fieldError(file, "version",
                          "unsupported version " + Twine(policy.version) +
                              " (expected 1)");
  if (Error e = top.optionalString("transmit_dtype", policy.transmitDtype))
    return std::move(e);
  if (Error e = checkTransmitDtype(top, policy.transmitDtype))
    return std::move(e);
  if (top.has("default")) {
    Expected<const json::Object *> def = top.object_("default");
    if (!def)
      return def.takeError();
    Expected<OpPolicy> op = parseOpPolicy({file, "default", **def});
    if (!op)
      return op.takeError();
    policy.defaultPolicy = *op;
  }
  if (top.has("ops")) {
    Expected<const json::Object *> ops = top.object_("ops");
    if (!ops)
      return ops.takeError();
    for (const auto &kv : **ops) {
      std::string path = ("ops." + StringRef(kv.first)).str();
      const json::Object *entry = kv.second.getAsObject();
      if (!entry)
        return jf::fieldError(file, path, "expected an object");
      Expected<OpPolicy> op = parseOpPolicy({file, path, *entry});
      if (!op)
        return op.takeError();
      policy.ops[kv.first.str()] = *op;
    }
  }
  return policy;
}

Expected<Policy> mlir::sepnn::readPolicyFile(StringRef path) {
  Expected<std::string> text = jf::readFile(path);
  if (!text)
    return text.takeError();
  return parsePolicy(*text, path);
}
