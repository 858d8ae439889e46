#include "transport/crc32c.h"

#include <cstring>

#if defined(__aarch64__) && defined(__linux__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

namespace sepnn {
namespace rt {
namespace {

constexpr uint32_t kPolynomial = 0x82F63B78u; // Castagnoli, reflected

// Slicing by 8: eight tables, one step per 8 bytes.
struct Tables {
  uint32_t t[8][256];
  Tables() {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k)
        c = (c & 1) ? kPolynomial ^ (c >> 1) : c >> 1;
      t[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; ++i)
      for (int s = 1; s < 8; ++s)
        t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFF];
  }
};

uint64_t load64(const uint8_t *p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v; // little-endian hosts only (x86-64, aarch64 Linux)
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) uint32_t hardware(const uint8_t *p, size_t n,
                                                    uint32_t crc) {
  uint64_t c = crc;
  for (; n >= 8; n -= 8, p += 8)
    c = __builtin_ia32_crc32di(c, load64(p));
  uint32_t c32 = uint32_t(c);
  for (; n > 0; --n, ++p)
    c32 = __builtin_ia32_crc32qi(c32, *p);
  return c32;
}
bool detect() { return __builtin_cpu_supports("sse4.2"); }
#elif defined(__aarch64__) && defined(__linux__)
__attribute__((target("+crc"))) uint32_t hardware(const uint8_t *p, size_t n,
                                                  uint32_t crc) {
  for (; n >= 8; n -= 8, p += 8)
    crc = __builtin_aarch64_crc32cx(crc, load64(p));
  for (; n > 0; --n, ++p)
    crc = __builtin_aarch64_crc32cb(crc, *p);
  return crc;
}
bool detect() { return (getauxval(AT_HWCAP) & HWCAP_CRC32) != 0; }
#else
uint32_t hardware(const uint8_t *, size_t, uint32_t crc) { return crc; }
bool detect() { return false; }
#endif

uint32_t portable(const uint8_t *p, size_t n, uint32_t crc) {
  static const Tables tables; // thread-safe static init
  const auto &t = tables.t;
  for (; n >= 8; n -= 8, p += 8) {
    const uint64_t v = load64(p) ^ crc;
    crc = t[7][v & 0xFF] ^ t[6][(v >> 8) & 0xFF] ^ t[5][(v >> 16) & 0xFF] ^
          t[4][(v >> 24) & 0xFF] ^ t[3][(v >> 32) & 0xFF] ^ t[2][(v >> 40) & 0xFF] ^
          t[1][(v >> 48) & 0xFF] ^ t[0][v >> 56];
  }
  for (; n > 0; --n, ++p)
    crc = t[0][(crc ^ *p) & 0xFF] ^ (crc >> 8);
  return crc;
}

} // namespace

bool crc32cHardware() {
  static const bool has = detect();
  return has;
}

uint32_t crc32c(const void *data, size_t n, uint32_t crc) {
  const uint8_t *p = static_cast<const uint8_t *>(data);
  return ~(crc32cHardware() ? hardware(p, n, ~crc) : portable(p, n, ~crc));
}

uint32_t crc32cPortable(const void *data, size_t n, uint32_t crc) {
  return ~portable(static_cast<const uint8_t *>(data), n, ~crc);
}

} // namespace rt
} // namespace sepnn
