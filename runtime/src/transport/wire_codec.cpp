#include "transport/wire_codec.h"

#include <cmath>
#include <cstring>
#include <limits>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "payloads are little-endian: port the (de)serialization first"
#endif

namespace sepnn {
namespace rt {
namespace codec {

static uint32_t bitsOf(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  return x;
}
static float floatOf(uint32_t x) {
  float f;
  std::memcpy(&f, &x, 4);
  return f;
}

uint16_t f32ToF16(float f) {
  const uint32_t x = bitsOf(f);
  const uint16_t sign = (uint16_t)((x >> 16) & 0x8000);
  const uint32_t a = x & 0x7fffffffu;
  if (a >= 0x7f800000u) {
    if (a == 0x7f800000u)
      return sign | 0x7c00; // inf
    // NaN: keep the top payload bits, force the quiet bit (never becomes inf).
    return (uint16_t)(sign | 0x7e00 | ((a >> 13) & 0x3ff));
  }
  if (a >= 0x477ff000u) // >= 65520: halfway to 2^16 or beyond, rounds to inf
    return sign | 0x7c00;
  if (a >= 0x38800000u) { // >= 2^-14: a normal half
    const uint32_t mant = a & 0x7fffffu;
    uint32_t h = (((a >> 23) - 127 + 15) << 10) | (mant >> 13);
    const uint32_t rem = mant & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (h & 1)))
      ++h; // a carry into the exponent is the correct result
    return (uint16_t)(sign | h);
  }
  if (a < 0x33000000u) // < 2^-25: below half the smallest subnormal, rounds to 0
    return sign;
  // A half subnormal: units of 2^-24. a's value is m * 2^(e - 150), m with the
  // implicit bit; e in [102, 112], so the shift is in [14, 24].
  const uint32_t e = a >> 23;
  const uint32_t m = (a & 0x7fffffu) | 0x800000u;
  const uint32_t shift = 126 - e;
  uint32_t h = m >> shift;
  const uint32_t rem = m & ((1u << shift) - 1), half = 1u << (shift - 1);
  if (rem > half || (rem == half && (h & 1)))
    ++h; // may become 0x400, the smallest normal: correct
  return (uint16_t)(sign | h);
}

float f16ToF32(uint16_t h) {
  const uint32_t sign = (uint32_t)(h & 0x8000) << 16;
  const uint32_t exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  if (exp == 0x1f)
    return floatOf(sign | 0x7f800000u | (mant << 13));
  if (exp != 0)
    return floatOf(sign | ((exp + 112) << 23) | (mant << 13));
  // Zero or subnormal: mant * 2^-24, exact in f32.
  const float v = (float)mant * 5.9604644775390625e-8f;
  return sign ? -v : v;
}

const char *wireName(WireType w) {
  switch (w) {
  case WireType::F32:
    return "f32";
  case WireType::F16:
    return "f16";
  case WireType::Int8:
    return "int8";
  }
  return "unknown wire type";
}

void checkWireType(WireType w) {
  if (w != WireType::F32 && w != WireType::F16 && w != WireType::Int8)
    fail("unknown wire type ", (int32_t)w, " (expected 0 = f32, 1 = f16, 2 = int8)");
}

int64_t int8Channels(const Shape &shape) {
  return shape.size() >= 2 ? shape[1] : shape.size() == 1 ? shape[0] : 1;
}

// Element i of an int8 tensor belongs to channel (i / inner) % channels.
static int64_t int8Inner(const Shape &shape) {
  // numelOf bounds the product, except past a zero dim ([1,0,2^61,31]).
  if (numelOf(shape) == 0)
    return 0;
  int64_t inner = 1;
  for (size_t d = 2; d < shape.size(); ++d)
    inner *= shape[d];
  return inner;
}

size_t encodedBytes(WireType w, const Shape &shape) {
  checkWireType(w);
  const size_t n = (size_t)numelOf(shape);
  switch (w) {
  case WireType::F32:
    return n * 4;
  case WireType::F16:
    return n * 2;
  case WireType::Int8:
    break;
  }
  return n + 4 * (size_t)int8Channels(shape);
}

std::vector<uint8_t> encode(WireType w, const Shape &shape, const float *data) {
  const size_t n = (size_t)numelOf(shape);
  std::vector<uint8_t> out(encodedBytes(w, shape));
  if (w == WireType::F32) {
    if (n)
      std::memcpy(out.data(), data, n * 4);
    return out;
  }
  if (w == WireType::F16) {
    for (size_t i = 0; i < n; ++i) {
      const uint16_t h = f32ToF16(data[i]);
      out[2 * i] = (uint8_t)(h & 0xff);
      out[2 * i + 1] = (uint8_t)(h >> 8);
    }
    return out;
  }
  // int8: the scales, then the values.
  const int64_t c = int8Channels(shape), inner = int8Inner(shape);
  const size_t outer = c && inner ? n / (size_t)(c * inner) : 0;
  std::vector<float> scales((size_t)c, 0.0f);
  for (size_t o = 0; o < outer; ++o)
    for (int64_t ch = 0; ch < c; ++ch) {
      const float *p = data + (o * (size_t)c + (size_t)ch) * (size_t)inner;
      float &m = scales[(size_t)ch];
      for (int64_t k = 0; k < inner; ++k) {
        const float a = std::fabs(p[k]);
        if (a > m) // NaN never compares greater: ignored
          m = a;
      }
    }
  for (float &s : scales) {
    if (s == 0.0f)
      s = 1.0f; // an all-zero channel
    else {
      s = s / 127.0f;
      if (s == 0.0f) // max|x| so tiny that the scale underflows
        s = std::numeric_limits<float>::denorm_min();
    }
  }
  if (!scales.empty())
    std::memcpy(out.data(), scales.data(), scales.size() * 4);
  int8_t *q = reinterpret_cast<int8_t *>(out.data() + scales.size() * 4);
  for (size_t o = 0; o < outer; ++o)
    for (int64_t ch = 0; ch < c; ++ch) {
      const size_t base = (o * (size_t)c + (size_t)ch) * (size_t)inner;
      const float s = scales[(size_t)ch];
      for (int64_t k = 0; k < inner; ++k) {
        // Round half to even (the default rounding mode), as numpy and torch do.
        float r = std::nearbyint(data[base + k] / s);
        if (!(r >= -127.0f)) // also NaN (from a NaN or an infinite scale): -127 or 0
          r = std::isnan(r) ? 0.0f : -127.0f;
        else if (r > 127.0f)
          r = 127.0f;
        q[base + k] = (int8_t)r;
      }
    }
  return out;
}

FloatBuffer decode(WireType w, const Shape &shape, const uint8_t *bytes, size_t size) {
  const size_t want = encodedBytes(w, shape);
  if (size != want)
    fail(size, " bytes for ", wireName(w), " ", shapeStr(shape), ", expected ", want);
  const size_t n = (size_t)numelOf(shape);
  FloatBuffer out(n);
  if (w == WireType::F32) {
    if (n)
      std::memcpy(out.data(), bytes, n * 4);
    return out;
  }
  if (w == WireType::F16) {
    for (size_t i = 0; i < n; ++i)
      out[i] = f16ToF32((uint16_t)(bytes[2 * i] | (bytes[2 * i + 1] << 8)));
    return out;
  }
  const int64_t c = int8Channels(shape), inner = int8Inner(shape);
  std::vector<float> scales((size_t)c);
  if (!scales.empty())
    std::memcpy(scales.data(), bytes, scales.size() * 4);
  const int8_t *q = reinterpret_cast<const int8_t *>(bytes + scales.size() * 4);
  for (size_t i = 0; i < n; ++i)
    out[i] = (float)q[i] * scales[(i / (size_t)inner) % (size_t)c];
  return out;
}

} // namespace codec
} // namespace rt
} // namespace sepnn
