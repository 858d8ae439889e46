// Fuzzes the compiler's POLICY.json reader (mlir::sepnn::parsePolicy): any text
// gives a Policy or an llvm::Error naming the file, never a crash; an accepted
// policy satisfies what the reader promises its users (design.md 3, 4.2).
#include "FuzzCheck.h"

#include "sepnn/Support/Policy.h"

#include <cstdint>
#include <string>

using namespace mlir::sepnn;

static void checkOp(const OpPolicy &op) {
  FUZZ_CHECK(!op.field.empty(), "entry without a field path");
  FUZZ_CHECK(!op.devices.empty(), "%s: no devices", op.field.c_str());
  for (int64_t d : op.devices)
    FUZZ_CHECK(d >= 0, "%s: negative device", op.field.c_str());
  switch (op.split) {
  case Split::Device:
    FUZZ_CHECK(op.devices.size() == 1, "%s: device split with %zu devices",
               op.field.c_str(), op.devices.size());
    break;
  case Split::Replicate:
    break;
  case Split::OutChannels:
  case Split::InChannels:
  case Split::Rows:
    FUZZ_CHECK(op.sizes.size() == op.devices.size(), "%s: sizes/devices",
               op.field.c_str());
    for (int64_t s : op.sizes)
      FUZZ_CHECK(s > 0, "%s: non-positive size", op.field.c_str());
    break;
  }
  if (!op.reduceScatter.empty()) {
    FUZZ_CHECK(op.split == Split::InChannels && !op.reduceTo,
               "%s: reduce_scatter outside in_channels", op.field.c_str());
    FUZZ_CHECK(op.reduceScatter.size() == op.devices.size(),
               "%s: reduce_scatter/devices", op.field.c_str());
  }
  FUZZ_CHECK(!op.recomputeHalo || op.split == Split::Rows,
             "%s: halo on a non-rows entry", op.field.c_str());
  if (op.transmitDtype)
    FUZZ_CHECK(*op.transmitDtype == "f32" || *op.transmitDtype == "f16" ||
                   *op.transmitDtype == "int8",
               "%s: transmit_dtype", op.field.c_str());
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  llvm::Expected<Policy> policy = parsePolicy(text, "fuzz-policy.json");
  if (!policy) {
    std::string message = llvm::toString(policy.takeError());
    FUZZ_CHECK(llvm::StringRef(message).starts_with("fuzz-policy.json: "),
               "error does not name the file: %s", message.c_str());
    return 0;
  }
  FUZZ_CHECK(policy->version == 1, "version %lld", (long long)policy->version);
  FUZZ_CHECK(policy->transmitDtype == "f32" || policy->transmitDtype == "f16" ||
                 policy->transmitDtype == "int8",
             "transmit_dtype '%s'", policy->transmitDtype.c_str());
  if (policy->defaultPolicy)
    checkOp(*policy->defaultPolicy);
  for (const auto &[name, op] : policy->ops)
    checkOp(op);
  return 0;
}
