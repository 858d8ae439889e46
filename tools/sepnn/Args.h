// Command-line parsing for the sepnn driver: positional arguments plus
// `--flag VALUE` / `--flag=VALUE` options, some repeatable.
#ifndef SEPNN_TOOLS_SEPNN_ARGS_H
#define SEPNN_TOOLS_SEPNN_ARGS_H

#include "llvm/Support/Error.h"

#include <map>
#include <set>
#include <string>
#include <vector>

namespace sepnn::driver {

struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::vector<std::string>> options;

  bool has(const std::string &flag) const { return options.count(flag); }
  std::string get(const std::string &flag, const std::string &def = "") const;
  const std::vector<std::string> &all(const std::string &flag) const;
  llvm::Expected<int64_t> getInt(const std::string &flag, int64_t def) const;
  llvm::Expected<double> getReal(const std::string &flag, double def) const;
};

/// Parses argv[first..]; `valued` flags take a value, `switches` do not.
llvm::Expected<Args> parseArgs(int argc, char **argv, int first,
                               const std::set<std::string> &valued,
                               const std::set<std::string> &switches);

/// Prints `error: <message>` to stderr and returns 1.
int reportError(const llvm::Twine &message);
int reportError(llvm::Error error);

} // namespace sepnn::driver

#endif
