// Payload encodings of send_as/recv_as (abi.h): f32 (raw), f16 (IEEE binary16, round
// to nearest even) and int8 (per-channel symmetric scale). Portable C++: no F16C or
// NEON intrinsics, all bytes little-endian.
#ifndef SEPNN_RT_TRANSPORT_WIRE_CODEC_H
#define SEPNN_RT_TRANSPORT_WIRE_CODEC_H

#include "sepnn_rt/abi.h"
#include "tensor.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace sepnn {
namespace rt {
namespace codec {

// IEEE binary16 <-> binary32. f32ToF16 rounds to nearest even; values >= 65520 in
// magnitude become inf, tiny values become subnormals or a signed zero, NaN stays a
// (quiet) NaN. f16ToF32 is exact.
uint16_t f32ToF16(float f);
float f16ToF32(uint16_t h);

// "f32", "f16", "int8" (or "wire type <n>" for an unknown value).
const char *wireName(WireType w);
// Throws Error for a value outside the enum.
void checkWireType(WireType w);
// The int8 channel dimension's size: dim 1, dim 0 of a rank-1 tensor, 1 for a scalar.
int64_t int8Channels(const Shape &shape);
// Payload bytes of a tensor of this shape: numel*4, numel*2 or numel + 4*channels.
size_t encodedBytes(WireType w, const Shape &shape);

// The payload of `data` (numelOf(shape) values), encodedBytes(w, shape) long.
std::vector<uint8_t> encode(WireType w, const Shape &shape, const float *data);
// Back to f32; `bytes` must be encodedBytes(w, shape) long (throws Error otherwise).
FloatBuffer decode(WireType w, const Shape &shape, const uint8_t *bytes, size_t size);

} // namespace codec
} // namespace rt
} // namespace sepnn

#endif
