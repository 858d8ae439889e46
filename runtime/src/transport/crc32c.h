// CRC-32C (Castagnoli), the frame checksum of the wire protocol. The bytewise
// CRC-32 it replaced ran at about 1 GB/s and took 40% of a device's time when
// layers exchanged megabytes; CRC-32C has an instruction on x86-64 (SSE 4.2)
// and aarch64 (the CRC extension, present on every Raspberry Pi since the 3),
// used when the CPU reports it at run time, and a table fallback otherwise.
#ifndef SEPNN_RT_TRANSPORT_CRC32C_H
#define SEPNN_RT_TRANSPORT_CRC32C_H

#include <cstddef>
#include <cstdint>

namespace sepnn {
namespace rt {

/// CRC-32C of `n` bytes, continuing from `crc` (0 to start).
uint32_t crc32c(const void *data, size_t n, uint32_t crc = 0);

/// The table version, whatever the CPU has (the tests compare both).
uint32_t crc32cPortable(const void *data, size_t n, uint32_t crc = 0);

/// Whether crc32c() uses the CPU's instruction.
bool crc32cHardware();

} // namespace rt
} // namespace sepnn

#endif
