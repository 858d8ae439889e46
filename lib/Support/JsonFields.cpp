#include "JsonFields.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"

using namespace llvm;
namespace sj = mlir::sepnn::jf;

Error sj::fieldError(StringRef file, StringRef field, const Twine &message) {
  return createStringError(inconvertibleErrorCode(),
                           file + ": " + field + ": " + message);
}

Expected<llvm::json::Value> sj::parse(StringRef text, StringRef file) {
  Expected<llvm::json::Value> value = llvm::json::parse(text);
  if (!value)
    return createStringError(inconvertibleErrorCode(),
                             file + ": invalid JSON: " +
                                 toString(value.takeError()));
  return value;
}

Expected<llvm::json::Value> sj::parseObject(StringRef text, StringRef file) {
  Expected<llvm::json::Value> value = parse(text, file);
  if (value && !value->getAsObject())
    return fieldError(file, "(root)", "expected an object");
  return value;
}

Expected<std::string> sj::readFile(StringRef path) {
  ErrorOr<std::unique_ptr<MemoryBuffer>> buffer =
      MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buffer)
    return createStringError(buffer.getError(),
                             path + ": cannot read: " +
                                 buffer.getError().message());
  return (*buffer)->getBuffer().str();
}

/// Assigns the field's value when present; shared by the optional* getters.
template <typename T, typename Getter>
static Error assignOptional(const sj::Fields &f, StringRef key, T &out,
                            Getter get) {
  if (!f.has(key))
    return Error::success();
  auto value = (f.*get)(key);
  if (!value)
    return value.takeError();
  out = *value;
  return Error::success();
}

Error sj::Fields::optionalInteger(StringRef key, int64_t &out) const {
  return assignOptional(*this, key, out, &Fields::integer);
}

Error sj::Fields::optionalNumber(StringRef key, double &out) const {
  return assignOptional(*this, key, out, &Fields::number);
}

Error sj::Fields::optionalString(StringRef key, std::string &out) const {
  return assignOptional(*this, key, out, &Fields::string);
}

std::string sj::Fields::child(StringRef key) const {
  return path.empty() ? key.str() : (path + "." + key).str();
}

Error sj::Fields::onlyKeys(ArrayRef<StringRef> known) const {
  for (const auto &kv : object)
    if (!llvm::is_contained(known, StringRef(kv.first)))
      return fieldError(file, child(kv.first),
                        "unknown field (expected one of: " +
                            llvm::join(known.begin(), known.end(), ", ") + ")");
  return Error::success();
}

/// json::Value::getAsInteger, less its undefined behaviour: it converts a
/// double of 2^63 (== double(INT64_MAX), e.g. `9223372036854775807.0`) to
/// int64_t. Integers stored as such (getAsUINT64) are exact and fine.
static std::optional<int64_t> asInteger(const llvm::json::Value &v) {
  std::optional<double> d = v.getAsNumber();
  if (d && *d >= 0x1p63 && !v.getAsUINT64())
    return std::nullopt;
  return v.getAsInteger();
}

static Error missing(const sj::Fields &f, StringRef key) {
  return sj::fieldError(f.file, f.child(key), "missing field");
}

Expected<int64_t> sj::Fields::integer(StringRef key) const {
  const llvm::json::Value *v = object.get(key);
  if (!v)
    return missing(*this, key);
  if (std::optional<int64_t> i = asInteger(*v))
    return *i;
  return fieldError(file, child(key), "expected an integer");
}

Expected<double> sj::Fields::number(StringRef key) const {
  const llvm::json::Value *v = object.get(key);
  if (!v)
    return missing(*this, key);
  if (std::optional<double> d = v->getAsNumber())
    return *d;
  return fieldError(file, child(key), "expected a number");
}

Expected<std::string> sj::Fields::string(StringRef key) const {
  const llvm::json::Value *v = object.get(key);
  if (!v)
    return missing(*this, key);
  if (std::optional<StringRef> s = v->getAsString())
    return s->str();
  return fieldError(file, child(key), "expected a string");
}

Expected<std::vector<int64_t>> sj::Fields::integers(StringRef key) const {
  Expected<const llvm::json::Array *> list = array(key);
  if (!list)
    return list.takeError();
  std::vector<int64_t> out;
  for (auto [i, v] : llvm::enumerate(**list)) {
    std::optional<int64_t> n = asInteger(v);
    if (!n)
      return fieldError(file, formatv("{0}[{1}]", child(key), i).str(),
                        "expected an integer");
    out.push_back(*n);
  }
  return out;
}

Expected<const llvm::json::Object *> sj::Fields::object_(StringRef key) const {
  const llvm::json::Value *v = object.get(key);
  if (!v)
    return missing(*this, key);
  if (const llvm::json::Object *o = v->getAsObject())
    return o;
  return fieldError(file, child(key), "expected an object");
}

Expected<const llvm::json::Array *> sj::Fields::array(StringRef key) const {
  const llvm::json::Value *v = object.get(key);
  if (!v)
    return missing(*this, key);
  if (const llvm::json::Array *a = v->getAsArray())
    return a;
  return fieldError(file, child(key), "expected an array");
}
