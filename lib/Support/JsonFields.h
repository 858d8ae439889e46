// Typed access to JSON fields with errors that name the file and the field
// path, shared by the POLICY.json and CLUSTER.json readers.
#ifndef SEPNN_LIB_SUPPORT_JSONFIELDS_H
#define SEPNN_LIB_SUPPORT_JSONFIELDS_H

#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

#include <string>

namespace mlir::sepnn::jf {

/// Error `<file>: <field>: <message>`.
llvm::Error fieldError(llvm::StringRef file, llvm::StringRef field,
                       const llvm::Twine &message);

/// Parses `text`; a syntax error names the file and the position.
llvm::Expected<llvm::json::Value> parse(llvm::StringRef text,
                                        llvm::StringRef file);
/// Parses `text`, which must hold a JSON object.
llvm::Expected<llvm::json::Value> parseObject(llvm::StringRef text,
                                              llvm::StringRef file);
/// The contents of `path`, or an error naming it.
llvm::Expected<std::string> readFile(llvm::StringRef path);

struct Fields {
  llvm::StringRef file;
  llvm::StringRef path; // e.g. "ops.conv1"
  const llvm::json::Object &object;

  std::string child(llvm::StringRef key) const;
  /// Fails when the object has a key outside `known` (a typo in a policy
  /// must not be silently ignored).
  llvm::Error onlyKeys(llvm::ArrayRef<llvm::StringRef> known) const;
  llvm::Expected<int64_t> integer(llvm::StringRef key) const;
  llvm::Expected<double> number(llvm::StringRef key) const;
  llvm::Expected<std::string> string(llvm::StringRef key) const;
  llvm::Expected<std::vector<int64_t>> integers(llvm::StringRef key) const;
  llvm::Expected<const llvm::json::Object *> object_(llvm::StringRef key) const;
  llvm::Expected<const llvm::json::Array *> array(llvm::StringRef key) const;
  bool has(llvm::StringRef key) const { return object.get(key) != nullptr; }
  /// Set `out` from an optional field; absent leaves it unchanged.
  llvm::Error optionalInteger(llvm::StringRef key, int64_t &out) const;
  llvm::Error optionalNumber(llvm::StringRef key, double &out) const;
  llvm::Error optionalString(llvm::StringRef key, std::string &out) const;
};

} // namespace mlir::sepnn::jf

#endif
