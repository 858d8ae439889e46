#include "transport/wire.h"

#include "tensor.h"
#include "transport/wire_codec.h"

#include <cstdio>

namespace sepnn {
namespace rt {
namespace wire {
namespace {

template <class T> void put(uint8_t *&p, T v) {
  for (size_t i = 0; i < sizeof(T); ++i)
    *p++ = uint8_t(uint64_t(v) >> (8 * i));
}
template <class T> T get(const uint8_t *&p) {
  uint64_t v = 0;
  for (size_t i = 0; i < sizeof(T); ++i)
    v |= uint64_t(*p++) << (8 * i);
  return T(v);
}

} // namespace

std::string encodeHello(const Hello &h) {
  uint8_t buf[kHelloFixed];
  uint8_t *p = buf;
  put<uint32_t>(p, h.magic);
  put<uint32_t>(p, h.version);
  put<int32_t>(p, h.sender);
  put<int32_t>(p, h.receiver);
  put<uint32_t>(p, h.flags);
  for (size_t i = 0; i < kNonceSize; ++i)
    *p++ = i < h.nonce.size() ? uint8_t(h.nonce[i]) : 0;
  put<uint32_t>(p, (uint32_t)h.hash.size());
  return std::string(reinterpret_cast<char *>(buf), kHelloFixed) + h.hash;
}

Hello decodeHelloFixed(const uint8_t *p, uint32_t *hashLen) {
  Hello h;
  h.magic = get<uint32_t>(p);
  h.version = get<uint32_t>(p);
  h.sender = get<int32_t>(p);
  h.receiver = get<int32_t>(p);
  h.flags = get<uint32_t>(p);
  h.nonce.assign(reinterpret_cast<const char *>(p), kNonceSize);
  p += kNonceSize;
  *hashLen = get<uint32_t>(p);
  return h;
}

void encodeHeader(const Header &h, uint8_t out[kHeaderSize]) {
  uint8_t *p = out;
  put<uint32_t>(p, h.magic);
  put<uint16_t>(p, h.version);
  put<uint16_t>(p, h.kind);
  put<int64_t>(p, h.tag);
  put<uint64_t>(p, h.seq);
  put<uint64_t>(p, h.length);
  put<uint32_t>(p, h.crc);
  put<uint32_t>(p, h.encoding);
}

Header decodeHeader(const uint8_t in[kHeaderSize]) {
  const uint8_t *p = in;
  Header h;
  h.magic = get<uint32_t>(p);
  h.version = get<uint16_t>(p);
  h.kind = get<uint16_t>(p);
  h.tag = get<int64_t>(p);
  h.seq = get<uint64_t>(p);
  h.length = get<uint64_t>(p);
  h.crc = get<uint32_t>(p);
  h.encoding = get<uint32_t>(p);
  return h;
}

std::string checkHeader(const Header &h, uint64_t expectedSeq,
                        const ExpectedFrames *expected) {
  if (h.magic != kFrameMagic) {
    char hex[16];
    std::snprintf(hex, sizeof hex, "%x", (unsigned)h.magic);
    return cat("bad frame magic 0x", hex, " (expected frame ", expectedSeq, ")");
  }
  if (h.version != kVersion)
    return cat("frame protocol version ", h.version, ", expected ", kVersion);
  if (h.seq != expectedSeq)
    return cat("frame sequence number ", h.seq, ", expected ", expectedSeq);
  if (h.kind == kBye)
    return h.length == 0 ? "" : cat("goodbye frame with a payload of ", h.length, " bytes");
  if (h.kind != kData)
    return cat("unknown frame kind ", h.kind);
  if (h.length > kMaxPayload)
    return cat("frame payload of ", h.length, " bytes exceeds the limit of ", kMaxPayload);
  if (h.encoding > (uint32_t)WireType::Int8)
    return cat("unknown payload encoding ", h.encoding, " for tag ", h.tag);
  if (!expected)
    return "";
  auto it = expected->find(h.tag);
  if (it == expected->end())
    return cat("frame for tag ", h.tag, ", which the program never receives from this peer");
  if (h.encoding != it->second.encoding)
    return cat("frame for tag ", h.tag, " is encoded as ", codec::wireName((WireType)h.encoding),
               ", the program expects ", codec::wireName((WireType)it->second.encoding));
  if (h.length != it->second.bytes)
    return cat("frame for tag ", h.tag, " carries ", h.length, " bytes, the program expects ",
               it->second.bytes);
  return "";
}

} // namespace wire
} // namespace rt
} // namespace sepnn
