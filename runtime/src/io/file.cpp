#include "io/file.h"

#include "tensor.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace sepnn {
namespace rt {

std::string readFile(const std::string &path) {
  FILE *f = std::fopen(path.c_str(), "rb");
  if (!f)
    fail(path, ": cannot open: ", std::strerror(errno));
  std::string out;
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0)
    out.append(buf, n);
  const bool bad = std::ferror(f);
  std::fclose(f);
  if (bad)
    fail(path, ": read error");
  return out;
}

void writeFile(const std::string &path, const std::string &bytes) {
  FILE *f = std::fopen(path.c_str(), "wb");
  if (!f)
    fail(path, ": cannot create: ", std::strerror(errno));
  const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  if (std::fclose(f) != 0 || !ok)
    fail(path, ": write error: ", std::strerror(errno));
}

} // namespace rt
} // namespace sepnn
