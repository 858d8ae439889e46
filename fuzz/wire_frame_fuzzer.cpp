// Fuzzes what the runtime reads off the wire and from tensor files: the TCP
// handshake and frame headers (transport/wire.h), payload decoding
// (transport/wire_codec.h) and the TensorProto reader (io/tensor_pb.h). Any
// input gives a result or an rt::Error, never a crash or another exception.
//
// Input: one mode byte (taken modulo 3), then
//   0  a handshake: the 20-byte fixed part, then the hash bytes;
//   1  a frame: the 40-byte header, its payload (h.length bytes, or what is
//      left), then control bytes (read from the end with FuzzedDataProvider)
//      that give the sequence number expected, a receive table and the shape
//      the payload is decoded as;
//   2  a TensorProto (.pb file contents).
// fuzz/gen_wire_seeds.py writes valid inputs of each kind.
#include "FuzzCheck.h"

#include "io/tensor_pb.h"
#include "tensor.h"
#include "transport/crc32c.h"
#include "transport/wire.h"
#include "transport/wire_codec.h"

#include <fuzzer/FuzzedDataProvider.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

using namespace sepnn::rt;

namespace {

void fuzzHello(const uint8_t *data, size_t size) {
  if (size < wire::kHelloFixed)
    return;
  uint32_t hashLen = 0;
  wire::Hello h = wire::decodeHelloFixed(data, &hashLen);
  // The caller refuses a hash longer than kMaxHashLen before reading it.
  if (hashLen > wire::kMaxHashLen || hashLen > size - wire::kHelloFixed)
    return;
  h.hash.assign(reinterpret_cast<const char *>(data) + wire::kHelloFixed, hashLen);
  const std::string again = wire::encodeHello(h);
  FUZZ_CHECK(again.size() == wire::kHelloFixed + hashLen &&
                 std::memcmp(again.data(), data, again.size()) == 0,
             "hello does not round-trip");
}

// A shape from the control bytes: mostly small dims, sometimes anything.
Shape fuzzShape(FuzzedDataProvider &fdp) {
  Shape shape(fdp.ConsumeIntegralInRange<size_t>(0, 4));
  for (int64_t &d : shape)
    d = fdp.ConsumeBool() ? fdp.ConsumeIntegralInRange<int64_t>(0, 64)
                          : fdp.ConsumeIntegral<int64_t>();
  return shape;
}

// What the program would compute for this shape, or (for a shape a program
// could not have) `fallback`.
uint64_t bytesFor(WireType w, const Shape &shape, uint64_t fallback) {
  try {
    return codec::encodedBytes(w, shape);
  } catch (const Error &) {
    return fallback;
  }
}

void checkDecoded(WireType w, const Shape &shape, const uint8_t *payload,
                  size_t size, const FloatBuffer &values) {
  const size_t n = (size_t)numelOf(shape);
  FUZZ_CHECK(values.size() == n, "decoded %zu values for %zu elements",
             values.size(), n);
  FUZZ_CHECK(size == codec::encodedBytes(w, shape), "accepted a wrong size");
  if (w == WireType::F32) { // raw bytes: exact
    FUZZ_CHECK(n == 0 || std::memcmp(values.data(), payload, size) == 0,
               "f32 payload changed");
  } else if (w == WireType::F16) { // f16 -> f32 -> f16 is exact but for NaN payloads
    const std::vector<uint8_t> again = codec::encode(w, shape, values.data());
    FUZZ_CHECK(again.size() == size, "f16 re-encoding size");
    for (size_t i = 0; i < n; ++i) {
      const uint16_t a = (uint16_t)(payload[2 * i] | payload[2 * i + 1] << 8);
      const uint16_t b = (uint16_t)(again[2 * i] | again[2 * i + 1] << 8);
      if (std::isnan(values[i]))
        FUZZ_CHECK((b & 0x7c00) == 0x7c00 && (b & 0x3ff), "NaN did not stay NaN");
      else
        FUZZ_CHECK(a == b, "f16 %04x came back as %04x", a, b);
    }
  } else { // int8: re-encoding must not crash (values are not kept exactly)
    const std::vector<uint8_t> again = codec::encode(w, shape, values.data());
    FUZZ_CHECK(again.size() == size, "int8 re-encoding size");
  }
}

void fuzzFrame(const uint8_t *data, size_t size) {
  if (size < wire::kHeaderSize)
    return;
  const wire::Header h = wire::decodeHeader(data);
  uint8_t again[wire::kHeaderSize];
  wire::encodeHeader(h, again);
  FUZZ_CHECK(std::memcmp(again, data, wire::kHeaderSize) == 0,
             "header does not round-trip");

  data += wire::kHeaderSize;
  size -= wire::kHeaderSize;
  const size_t payloadSize = (size_t)std::min<uint64_t>(h.length, size);
  const uint8_t *payload = data;
  FuzzedDataProvider fdp(data + payloadSize, size - payloadSize);

  const uint64_t expectedSeq =
      fdp.ConsumeBool() ? h.seq : fdp.ConsumeIntegral<uint64_t>();
  const Shape shape = fuzzShape(fdp);
  const WireType w = (WireType)h.encoding;

  // A receive table as a compiled program has one: valid wire types only.
  wire::ExpectedFrames table;
  for (size_t k = fdp.ConsumeIntegralInRange<size_t>(0, 3); k > 0; --k) {
    const int64_t tag = fdp.ConsumeBool() ? h.tag : fdp.ConsumeIntegral<int64_t>();
    wire::ExpectedFrame f;
    f.encoding = fdp.ConsumeIntegralInRange<uint32_t>(0, 2);
    f.bytes = fdp.ConsumeBool() ? bytesFor((WireType)f.encoding, shape, h.length)
                                : fdp.ConsumeIntegral<uint64_t>();
    table[tag] = f;
  }

  const std::string loose = wire::checkHeader(h, expectedSeq, nullptr);
  const std::string strict = wire::checkHeader(h, expectedSeq, &table);
  FUZZ_CHECK(loose.empty() || !strict.empty(),
             "the receive table accepted what the protocol refuses: %s",
             loose.c_str());
  if (strict.empty() && h.kind == wire::kData) {
    auto it = table.find(h.tag);
    FUZZ_CHECK(it != table.end() && it->second.encoding == h.encoding &&
                   it->second.bytes == h.length,
               "accepted a frame the table does not describe");
  }
  if (loose.empty()) {
    FUZZ_CHECK(h.magic == wire::kFrameMagic && h.version == wire::kVersion &&
                   h.seq == expectedSeq,
               "accepted a bad magic, version or sequence number");
    if (h.kind == wire::kData)
      FUZZ_CHECK(h.length <= wire::kMaxPayload && h.encoding <= 2,
                 "accepted a bad length or encoding");
  }

  (void)crc32c(payload, payloadSize);
  try {
    const FloatBuffer values = codec::decode(w, shape, payload, payloadSize);
    checkDecoded(w, shape, payload, payloadSize, values);
  } catch (const Error &) {
  }
}

void fuzzTensorProto(const uint8_t *data, size_t size) {
  const std::string bytes(reinterpret_cast<const char *>(data), size);
  PbTensor t;
  try {
    t = parseTensorProto(bytes, "fuzz.pb");
  } catch (const Error &e) {
    FUZZ_CHECK(std::string(e.what()).rfind("fuzz.pb: ", 0) == 0,
               "error does not name the file: %s", e.what());
    return;
  }
  FUZZ_CHECK(t.data.size() == (size_t)numelOf(t.dims), "%zu values for %s",
             t.data.size(), shapeStr(t.dims).c_str());
  // What we write, we read back bit for bit.
  const std::string written = serializeTensorProto(t.dims, t.data.data(), t.name);
  const PbTensor back = parseTensorProto(written, "written.pb");
  FUZZ_CHECK(back.name == t.name && back.dims == t.dims &&
                 back.data.size() == t.data.size() &&
                 (t.data.empty() || std::memcmp(back.data.data(), t.data.data(),
                                                4 * t.data.size()) == 0),
             "TensorProto does not round-trip");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0)
    return 0;
  switch (data[0] % 3) {
  case 0:
    fuzzHello(data + 1, size - 1);
    break;
  case 1:
    fuzzFrame(data + 1, size - 1);
    break;
  default:
    fuzzTensorProto(data + 1, size - 1);
    break;
  }
  return 0;
}
