// The frame checksum: CRC-32C's published check value, and the CPU instruction
// path against the table path on every length and alignment up to a few words.
#include "transport/crc32c.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

using namespace sepnn::rt;

TEST(Crc32c, CheckValue) {
  // RFC 3720 (iSCSI), appendix B.4, and the CRC catalogue's CRC-32/ISCSI check.
  const char *digits = "123456789";
  EXPECT_EQ(crc32c(digits, 9), 0xE3069283u);
  EXPECT_EQ(crc32cPortable(digits, 9), 0xE3069283u);
  std::vector<uint8_t> zeros(32, 0), ones(32, 0xFF);
  EXPECT_EQ(crc32c(zeros.data(), 32), 0x8A9136AAu);
  EXPECT_EQ(crc32c(ones.data(), 32), 0x62A8AB43u);
}

TEST(Crc32c, HardwareEqualsTable) {
  std::mt19937 rng(7);
  std::vector<uint8_t> bytes(4096 + 16);
  for (uint8_t &b : bytes)
    b = uint8_t(rng());
  for (size_t offset = 0; offset < 8; ++offset)
    for (size_t n : {0, 1, 7, 8, 9, 15, 16, 63, 64, 1000, 4096}) {
      SCOPED_TRACE(testing::Message() << "offset " << offset << ", " << n << " bytes");
      EXPECT_EQ(crc32c(bytes.data() + offset, n), crc32cPortable(bytes.data() + offset, n));
    }
}

TEST(Crc32c, ContinuesAcrossPieces) {
  const char *text = "distributed inference on edge devices";
  const size_t n = std::strlen(text);
  for (size_t cut = 0; cut <= n; ++cut)
    EXPECT_EQ(crc32c(text + cut, n - cut, crc32c(text, cut)), crc32c(text, n));
}
