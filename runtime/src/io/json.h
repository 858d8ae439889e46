// A small JSON reader (RFC 8259) for cluster files, and string escaping for the
// report writer. Parse errors give file:line:column.
#ifndef SEPNN_RT_IO_JSON_H
#define SEPNN_RT_IO_JSON_H

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace sepnn {
namespace rt {

struct Json {
  enum Kind { Null, Bool, Number, String, Array, Object };
  Kind kind = Null;
  bool boolean = false;
  double number = 0;
  bool isInteger = false; // written without fraction/exponent and fits int64
  int64_t integer = 0;
  std::string str;
  std::vector<Json> items;                          // Array
  std::vector<std::pair<std::string, Json>> fields; // Object, in file order
  int line = 0, column = 0;                         // where the value starts

  const Json *find(const std::string &key) const;
  static const char *kindName(Kind k);
};

// `file` names the source in messages: "cluster.json:3:14: expected ',' or '}'".
Json parseJson(const std::string &text, const std::string &file);
Json parseJsonFile(const std::string &path);

// `"…"` with JSON escapes.
std::string jsonQuote(const std::string &s);

} // namespace rt
} // namespace sepnn

#endif
