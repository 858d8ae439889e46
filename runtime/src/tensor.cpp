#include "tensor.h"

namespace sepnn {
namespace rt {

std::string shapeStr(const Shape &s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i)
    r += (i ? "," : "") + std::to_string(s[i]);
  return r + "]";
}

int64_t numelOf(const Shape &s) {
  int64_t n = 1;
  for (int64_t d : s) {
    if (d < 0)
      fail("negative dimension in shape ", shapeStr(s));
    // 2^40 elements (4 TiB of f32) is far beyond any edge device: treat as garbage.
    if (d != 0 && n > (int64_t(1) << 40) / d)
      fail("shape ", shapeStr(s), " is too large");
    n *= d;
  }
  return n;
}

} // namespace rt
} // namespace sepnn
