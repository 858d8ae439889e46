// POLICY.json (design.md 4.2): how each op is split across devices.
#ifndef SEPNN_SUPPORT_POLICY_H
#define SEPNN_SUPPORT_POLICY_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mlir::sepnn {

enum class Split { OutChannels, InChannels, Rows, Device, Replicate };

llvm::StringRef splitName(Split split);

struct OpPolicy {
  Split split = Split::Device;
  /// Devices in order; for `device`, the single device.
  std::vector<int64_t> devices;
  /// Extent per device (channels or rows), same order as `devices`.
  std::vector<int64_t> sizes;
  std::optional<int64_t> reduceTo;
  /// The JSON path of this entry ("ops.conv1", "default"), for diagnostics.
  std::string field;
  /// How this op's results travel to other devices, when the entry says.
  std::optional<std::string> transmitDtype;
  /// `in_channels`: output channels per device (order of `devices`) when the
  /// partial sums are reduce-scattered instead of reduced on `reduceTo`.
  std::vector<int64_t> reduceScatter;
  /// `rows`: consumers' halo rows are recomputed by the device that needs
  /// them (DeepThings fused tiles) instead of exchanged.
  bool recomputeHalo = false;
};

struct Policy {
  std::string file;
  int64_t version = 1;
  std::string transmitDtype = "f32";
  std::optional<OpPolicy> defaultPolicy;
  std::map<std::string, OpPolicy> ops;
};

/// Parses POLICY.json text; errors read `<file>: <field>: <problem>`.
llvm::Expected<Policy> parsePolicy(llvm::StringRef text, llvm::StringRef file);
llvm::Expected<Policy> readPolicyFile(llvm::StringRef path);

} // namespace mlir::sepnn

#endif
