#include "io/json.h"

#include "io/file.h"
#include "tensor.h"

#include <cerrno>
#include <cstdlib>

namespace sepnn {
namespace rt {

const Json *Json::find(const std::string &key) const {
  for (auto &f : fields)
    if (f.first == key)
      return &f.second;
  return nullptr;
}

const char *Json::kindName(Kind k) {
  static const char *n[] = {"null", "a boolean", "a number", "a string", "an array",
                            "an object"};
  return n[k];
}

namespace {

class Parser {
public:
  Parser(const std::string &text, const std::string &file) : s(text), file(file) {}

  Json document() {
    Json v = value(0);
    ws();
    if (i != s.size())
      error("unexpected content after the JSON value");
    return v;
  }

private:
  const std::string &s;
  const std::string &file;
  size_t i = 0;
  int line = 1;
  size_t lineStart = 0;

  [[noreturn]] void error(const std::string &msg) {
    fail(file, ":", line, ":", i - lineStart + 1, ": ", msg);
  }
  void ws() {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) {
      if (s[i] == '\n') {
        ++line;
        lineStart = i + 1;
      }
      ++i;
    }
  }
  bool eat(char c) {
    if (i < s.size() && s[i] == c) {
      ++i;
      return true;
    }
    return false;
  }
  std::string describe() {
    if (i >= s.size())
      return "end of file";
    return std::string("'") + s[i] + "'";
  }

  Json value(int depth) {
    if (depth > 256) // bounded recursion: garbage must not overflow the stack
      error("nesting too deep");
    ws();
    Json v;
    v.line = line;
    v.column = int(i - lineStart + 1);
    if (i >= s.size())
      error("expected a value, found end of file");
    const char c = s[i];
    if (c == '{') {
      ++i;
      v.kind = Json::Object;
      ws();
      if (eat('}'))
        return v;
      for (;;) {
        ws();
        if (i >= s.size() || s[i] != '"')
          error("expected a string key, found " + describe());
        std::string key = string();
        ws();
        if (!eat(':'))
          error("expected ':' after object key, found " + describe());
        v.fields.emplace_back(std::move(key), value(depth + 1));
        ws();
        if (eat('}'))
          return v;
        if (!eat(','))
          error("expected ',' or '}' in object, found " + describe());
      }
    }
    if (c == '[') {
      ++i;
      v.kind = Json::Array;
      ws();
      if (eat(']'))
        return v;
      for (;;) {
        v.items.push_back(value(depth + 1));
        ws();
        if (eat(']'))
          return v;
        if (!eat(','))
          error("expected ',' or ']' in array, found " + describe());
      }
    }
    if (c == '"') {
      v.kind = Json::String;
      v.str = string();
      return v;
    }
    if (literal("true")) {
      v.kind = Json::Bool;
      v.boolean = true;
      return v;
    }
    if (literal("false")) {
      v.kind = Json::Bool;
      return v;
    }
    if (literal("null"))
      return v;
    if (c == '-' || (c >= '0' && c <= '9'))
      return number(v);
    error("unexpected character " + describe());
  }

  bool literal(const char *word) {
    const std::string w(word);
    if (s.compare(i, w.size(), w) != 0)
      return false;
    i += w.size();
    return true;
  }

  Json number(Json v) {
    const size_t start = i;
    auto digits = [&] {
      size_t n = 0;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9')
        ++i, ++n;
      return n;
    };
    eat('-');
    if (i < s.size() && s[i] == '0')
      ++i;
    else if (!digits())
      error("invalid number");
    bool integral = true;
    if (eat('.')) {
      integral = false;
      if (!digits())
        error("expected digits after '.'");
    }
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
      integral = false;
      ++i;
      if (!eat('+'))
        eat('-');
      if (!digits())
        error("expected digits in exponent");
    }
    const std::string text = s.substr(start, i - start);
    v.kind = Json::Number;
    v.number = std::strtod(text.c_str(), nullptr);
    if (integral) {
      errno = 0;
      long long ll = std::strtoll(text.c_str(), nullptr, 10);
      if (errno == 0) {
        v.isInteger = true;
        v.integer = ll;
      }
    }
    return v;
  }

  unsigned hex4() {
    unsigned u = 0;
    for (int k = 0; k < 4; ++k, ++i) {
      if (i >= s.size())
        error("truncated \\u escape");
      const char c = s[i];
      u <<= 4;
      if (c >= '0' && c <= '9') u |= c - '0';
      else if (c >= 'a' && c <= 'f') u |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') u |= c - 'A' + 10;
      else error("invalid hex digit in \\u escape");
    }
    return u;
  }

  static void utf8(std::string &out, unsigned cp) {
    if (cp < 0x80) {
      out += char(cp);
    } else if (cp < 0x800) {
      out += char(0xC0 | (cp >> 6));
      out += char(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += char(0xE0 | (cp >> 12));
      out += char(0x80 | ((cp >> 6) & 0x3F));
      out += char(0x80 | (cp & 0x3F));
    } else {
      out += char(0xF0 | (cp >> 18));
      out += char(0x80 | ((cp >> 12) & 0x3F));
      out += char(0x80 | ((cp >> 6) & 0x3F));
      out += char(0x80 | (cp & 0x3F));
    }
  }

  std::string string() {
    ++i; // opening quote
    std::string out;
    for (;;) {
      if (i >= s.size())
        error("unterminated string");
      const char c = s[i];
      if (c == '"') {
        ++i;
        return out;
      }
      if ((unsigned char)c < 0x20)
        error("control character in string (use an escape)");
      if (c != '\\') {
        out += c;
        ++i;
        continue;
      }
      ++i;
      if (i >= s.size())
        error("unterminated string");
      const char e = s[i++];
      switch (e) {
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      case '/': out += '/'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        unsigned cp = hex4();
        if (cp >= 0xD800 && cp < 0xDC00) { // surrogate pair
          if (!(eat('\\') && eat('u')))
            error("unpaired surrogate in \\u escape");
          const unsigned lo = hex4();
          if (lo < 0xDC00 || lo >= 0xE000)
            error("invalid low surrogate in \\u escape");
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        } else if (cp >= 0xDC00 && cp < 0xE000) {
          error("unpaired surrogate in \\u escape");
        }
        utf8(out, cp);
        break;
      }
      default:
        i -= 2; // point at the backslash
        error(std::string("invalid escape '\\") + e + "'");
      }
    }
  }
};

} // namespace

Json parseJson(const std::string &text, const std::string &file) {
  return Parser(text, file).document();
}

Json parseJsonFile(const std::string &path) { return parseJson(readFile(path), path); }

std::string jsonQuote(const std::string &s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
    case '"': out += "\\\""; break;
    case '\\': out += "\\\\"; break;
    case '\n': out += "\\n"; break;
    case '\r': out += "\\r"; break;
    case '\t': out += "\\t"; break;
    default:
      if ((unsigned char)c < 0x20) {
        static const char *hex = "0123456789abcdef";
        out += "\\u00";
        out += hex[(c >> 4) & 0xF];
        out += hex[c & 0xF];
      } else {
        out += c;
      }
    }
  }
  return out + "\"";
}

} // namespace rt
} // namespace sepnn
