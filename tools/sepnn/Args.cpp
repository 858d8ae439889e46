#include "Args.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

using namespace sepnn::driver;
using llvm::StringRef;

std::string Args::get(const std::string &flag, const std::string &def) const {
  auto it = options.find(flag);
  return it == options.end() || it->second.empty() ? def : it->second.back();
}

const std::vector<std::string> &Args::all(const std::string &flag) const {
  static const std::vector<std::string> none;
  auto it = options.find(flag);
  return it == options.end() ? none : it->second;
}

llvm::Expected<int64_t> Args::getInt(const std::string &flag,
                                     int64_t def) const {
  if (!has(flag))
    return def;
  int64_t value;
  if (StringRef(get(flag)).getAsInteger(10, value))
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   flag + ": expected an integer, got '" +
                                       get(flag) + "'");
  return value;
}

llvm::Expected<double> Args::getReal(const std::string &flag,
                                     double def) const {
  if (!has(flag))
    return def;
  double value;
  if (StringRef(get(flag)).getAsDouble(value))
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   flag + ": expected a number, got '" +
                                       get(flag) + "'");
  return value;
}

llvm::Expected<Args> sepnn::driver::parseArgs(
    int argc, char **argv, int first, const std::set<std::string> &valued,
    const std::set<std::string> &switches) {
  Args args;
  for (int i = first; i < argc; ++i) {
    StringRef arg = argv[i];
    if (!arg.starts_with("-") || arg == "-") {
      args.positional.push_back(arg.str());
      continue;
    }
    auto [flag, value] = arg.split('=');
    bool inlineValue = arg.contains('=');
    if (switches.count(flag.str())) {
      args.options[flag.str()].push_back("1");
      continue;
    }
    if (!valued.count(flag.str()))
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "unknown option '" + flag + "'");
    if (!inlineValue) {
      if (i + 1 >= argc)
        return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                       "option '" + flag + "' needs a value");
      value = argv[++i];
    }
    args.options[flag.str()].push_back(value.str());
  }
  return args;
}

int sepnn::driver::reportError(const llvm::Twine &message) {
  llvm::errs() << "error: " << message << "\n";
  return 1;
}

int sepnn::driver::reportError(llvm::Error error) {
  return reportError(llvm::toString(std::move(error)));
}
