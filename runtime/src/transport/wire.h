// The TCP wire format (design.md §4.3). All integers little-endian.
//
// Handshake, sent by both sides of every connection (the connecting, higher rank
// first; the accepting rank answers even on a mismatch so both sides can report it):
//   u32 magic 'SPNH' | u32 version | i32 sender rank | i32 receiver rank |
//   u32 flags (bit 0: holds a cluster key) | 16-byte random nonce |
//   u32 hash length (<= kMaxHashLen) | hash bytes
// With a cluster key (auth.h) the connector then sends its 32-byte proof, and the
// acceptor answers with its own only if the connector's was right.
// Frame, then `length` payload bytes (DATA: the tensor in the frame's encoding, see
// wire_codec.h; BYE: empty):
//   u32 magic 'SPNF' | u16 version | u16 kind | i64 tag | u64 sequence |
//   u64 length | u32 crc32c(payload) | u32 encoding             = 40 bytes
// encoding is the abi.h WireType (0 = raw f32, 1 = f16, 2 = int8); the field was
// "reserved (0)" before compressed transfers, so f32 frames are unchanged.
// Sequence numbers count frames per direction from 0, so a lost or duplicated frame
// is detected. BYE says "I am done": an EOF after it is a clean shutdown.
#ifndef SEPNN_RT_TRANSPORT_WIRE_H
#define SEPNN_RT_TRANSPORT_WIRE_H

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

namespace sepnn {
namespace rt {
namespace wire {

constexpr uint32_t kHelloMagic = 0x484E5053; // "SPNH" read as little-endian bytes
constexpr uint32_t kFrameMagic = 0x464E5053; // "SPNF"
constexpr uint32_t kVersion = 3; // 2: hellos carry flags and a nonce (cluster keys);
                                  // 3: frames carry CRC-32C (crc32c.h), not CRC-32
constexpr uint32_t kMaxHashLen = 1024;
constexpr size_t kNonceSize = 16;
constexpr size_t kHelloFixed = 40;
constexpr uint32_t kHelloHasKey = 1;
constexpr size_t kHeaderSize = 40;
// Largest payload accepted (1 GiB): anything larger is a corrupt header.
constexpr uint64_t kMaxPayload = uint64_t(1) << 30;

enum Kind : uint16_t { kData = 1, kBye = 2 };

struct Hello {
  uint32_t magic = kHelloMagic, version = kVersion;
  int32_t sender = 0, receiver = 0;
  uint32_t flags = 0;
  std::string nonce = std::string(kNonceSize, '\0'); // kNonceSize bytes
  std::string hash;
};

struct Header {
  uint32_t magic = kFrameMagic;
  uint16_t version = kVersion;
  uint16_t kind = kData;
  int64_t tag = 0;
  uint64_t seq = 0;
  uint64_t length = 0;
  uint32_t crc = 0;
  uint32_t encoding = 0; // WireType
};

// What the program expects under one tag from one peer: every frame's size is checked
// against it before the payload is read, so a corrupt or hostile header cannot make
// a device allocate (or wait for) anything the compiled program would not receive.
struct ExpectedFrame {
  uint32_t encoding = 0; // WireType
  uint64_t bytes = 0;
};
using ExpectedFrames = std::map<int64_t, ExpectedFrame>; // by tag, for one peer

// Checks a received header: magic, version, sequence number, kind and, for a data
// frame, its tag, encoding and length against `expected` (nullptr: only the protocol
// limits, for programs without a receive table). Returns what is wrong, or "".
std::string checkHeader(const Header &h, uint64_t expectedSeq,
                        const ExpectedFrames *expected);

std::string encodeHello(const Hello &h);
// Decodes the fixed part; returns the hash length still to read.
Hello decodeHelloFixed(const uint8_t *p, uint32_t *hashLen);
void encodeHeader(const Header &h, uint8_t out[kHeaderSize]);
Header decodeHeader(const uint8_t in[kHeaderSize]);

} // namespace wire
} // namespace rt
} // namespace sepnn

#endif
