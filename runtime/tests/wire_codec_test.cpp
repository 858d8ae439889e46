// The send_as/recv_as payload encodings (transport/wire_codec.h): f16 conversion
// (exhaustively over all 65536 halves, plus rounding, overflow, subnormal, inf and NaN
// cases) and the per-channel int8 codec.
#include "transport/wire_codec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

using namespace sepnn::rt;
using namespace sepnn::rt::codec;

static bool isHalfNaN(uint16_t h) { return (h & 0x7c00) == 0x7c00 && (h & 0x3ff); }

// Every half that is not a NaN survives f16 -> f32 -> f16 bit for bit (this covers
// every value representable in half: normals, subnormals, +-0, +-inf); NaNs stay NaNs
// with their sign.
TEST(WireCodec, F16ExactForEveryRepresentableValue) {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    const float f = f16ToF32((uint16_t)h);
    const uint16_t back = f32ToF16(f);
    if (isHalfNaN((uint16_t)h)) {
      ASSERT_TRUE(std::isnan(f)) << h;
      ASSERT_TRUE(isHalfNaN(back)) << h;
      ASSERT_EQ(back & 0x8000, h & 0x8000) << h;
    } else {
      ASSERT_EQ(back, h) << "half 0x" << std::hex << h << " = " << f;
    }
  }
  EXPECT_EQ(f16ToF32(0x3c00), 1.0f);
  EXPECT_EQ(f16ToF32(0x7bff), 65504.0f);
  EXPECT_EQ(f16ToF32(0x0001), std::ldexp(1.0f, -24));
  EXPECT_EQ(f16ToF32(0x03ff), std::ldexp(1023.0f, -24));
  EXPECT_EQ(f16ToF32(0x0400), std::ldexp(1.0f, -14));
  EXPECT_EQ(f16ToF32(0xc000), -2.0f);
  EXPECT_TRUE(std::signbit(f16ToF32(0x8000)) && f16ToF32(0x8000) == 0.0f);
  EXPECT_EQ(f16ToF32(0x7c00), std::numeric_limits<float>::infinity());
  EXPECT_EQ(f16ToF32(0xfc00), -std::numeric_limits<float>::infinity());
}

TEST(WireCodec, F16SpecialAndRoundingCases) {
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(f32ToF16(1.0f), 0x3c00);
  EXPECT_EQ(f32ToF16(-0.0f), 0x8000);
  EXPECT_EQ(f32ToF16(inf), 0x7c00);
  EXPECT_EQ(f32ToF16(-inf), 0xfc00);
  EXPECT_TRUE(isHalfNaN(f32ToF16(std::numeric_limits<float>::quiet_NaN())));
  EXPECT_TRUE(isHalfNaN(f32ToF16(-std::numeric_limits<float>::quiet_NaN())));
  // A NaN whose payload lives only in the low bits must not become inf.
  uint32_t snan = 0x7f800001;
  float fsnan;
  std::memcpy(&fsnan, &snan, 4);
  EXPECT_TRUE(isHalfNaN(f32ToF16(fsnan)));
  // Overflow: 65504 is the largest half; from the midpoint 65520 on, inf.
  EXPECT_EQ(f32ToF16(65504.0f), 0x7bff);
  EXPECT_EQ(f32ToF16(65519.99f), 0x7bff);
  EXPECT_EQ(f32ToF16(65520.0f), 0x7c00);
  EXPECT_EQ(f32ToF16(1e6f), 0x7c00);
  EXPECT_EQ(f32ToF16(-1e30f), 0xfc00);
  EXPECT_EQ(f32ToF16(std::numeric_limits<float>::max()), 0x7c00);
  // Round to nearest, ties to even (1 + 2^-11 is halfway between 1 and 1 + 2^-10).
  EXPECT_EQ(f32ToF16(1.0f + std::ldexp(1.0f, -11)), 0x3c00);
  EXPECT_EQ(f32ToF16(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02);
  EXPECT_EQ(f32ToF16(1.0f + std::ldexp(1.0f, -11) + std::ldexp(1.0f, -20)), 0x3c01);
  EXPECT_EQ(f32ToF16(2047.0f / 1024.0f + std::ldexp(1.0f, -11)), 0x4000); // mantissa carry
  // Subnormals (units of 2^-24) and underflow.
  const float u = std::ldexp(1.0f, -24);
  EXPECT_EQ(f32ToF16(u), 0x0001);
  EXPECT_EQ(f32ToF16(-u), 0x8001);
  EXPECT_EQ(f32ToF16(5 * u), 0x0005);
  EXPECT_EQ(f32ToF16(0.5f * u), 0x0000);               // tie between 0 and 1 unit: even
  EXPECT_EQ(f32ToF16(0.50001f * u), 0x0001);
  EXPECT_EQ(f32ToF16(1.5f * u), 0x0002);               // tie: even
  EXPECT_EQ(f32ToF16(2.5f * u), 0x0002);               // tie: even
  EXPECT_EQ(f32ToF16(0.49f * u), 0x0000);
  EXPECT_EQ(f32ToF16(-1e-30f), 0x8000);
  EXPECT_EQ(f32ToF16(std::numeric_limits<float>::denorm_min()), 0x0000);
  EXPECT_EQ(f32ToF16(1023.5f * u), 0x0400);            // tie: rounds up to the smallest normal
  EXPECT_EQ(f32ToF16(std::ldexp(1.0f, -14)), 0x0400);
  EXPECT_EQ(f32ToF16(std::nextafter(std::ldexp(1.0f, -14), 0.0f)), 0x0400);
}

// Random floats over the whole half range: the result is the nearest half (no
// neighbour is closer, ties go to the even one), within 2^-11 relative for normals.
TEST(WireCodec, F16NearestEvenWithinRelativeBound) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> expo(-26.0f, 16.0f), sign(-1.0f, 1.0f);
  double worstRel = 0;
  for (int i = 0; i < 200000; ++i) {
    float x = std::exp2(expo(rng)) * (sign(rng) < 0 ? -1.0f : 1.0f);
    if (std::fabs(x) >= 65520.0f)
      continue;
    const uint16_t h = f32ToF16(x);
    const double got = f16ToF32(h), err = std::fabs((double)x - got);
    for (int d : {-1, 1}) {
      const uint16_t nb = (uint16_t)(h + d);
      if ((nb & 0x7fff) >= 0x7c00 || ((h & 0x7fff) == 0 && d < 0))
        continue;
      const double other = std::fabs((double)x - f16ToF32(nb));
      ASSERT_LE(err, other) << x;
      if (err == other)
        ASSERT_EQ(h & 1, 0) << "tie not to even for " << x;
    }
    if (std::fabs(x) >= std::ldexp(1.0f, -14)) {
      const double rel = err / std::fabs((double)x);
      worstRel = std::max(worstRel, rel);
      ASSERT_LE(rel, std::ldexp(1.0, -11)) << x;
    } else {
      ASSERT_LE(err, std::ldexp(1.0, -25)) << x; // half a subnormal unit
    }
  }
  EXPECT_GT(worstRel, std::ldexp(1.0, -12)); // the bound is tight, the test is not vacuous
#if defined(__FLT16_MAX__) && defined(__x86_64__) // g++ 12 has no C++ _Float16 on aarch64
  // The compiler's own _Float16 conversion (IEEE, round to nearest even) agrees.
  for (int i = 0; i < 200000; ++i) {
    uint32_t bits = rng();
    float x;
    std::memcpy(&x, &bits, 4);
    const _Float16 ref = (_Float16)x;
    uint16_t refBits;
    std::memcpy(&refBits, &ref, 2);
    if (std::isnan(x))
      ASSERT_TRUE(isHalfNaN(f32ToF16(x)));
    else
      ASSERT_EQ(f32ToF16(x), refBits) << x;
  }
#endif
}

TEST(WireCodec, F16AndF32Payloads) {
  const Shape shape{2, 3};
  const float x[6] = {1.0f, -2.5f, 65504.0f, 1e6f, 0.1f, -0.0f};
  ASSERT_EQ(encodedBytes(WireType::F16, shape), 12u);
  const std::vector<uint8_t> p = encode(WireType::F16, shape, x);
  ASSERT_EQ(p.size(), 12u);
  EXPECT_EQ(p[0], 0x00); // 1.0 = 0x3c00, little-endian
  EXPECT_EQ(p[1], 0x3c);
  const FloatBuffer y = decode(WireType::F16, shape, p.data(), p.size());
  EXPECT_EQ(y[0], 1.0f);
  EXPECT_EQ(y[1], -2.5f);
  EXPECT_EQ(y[2], 65504.0f);
  EXPECT_EQ(y[3], std::numeric_limits<float>::infinity());
  EXPECT_NEAR(y[4], 0.1f, 0.1f * std::ldexp(1.0f, -11));
  EXPECT_TRUE(y[5] == 0.0f && std::signbit(y[5]));
  // f32 is the raw bytes.
  const std::vector<uint8_t> raw = encode(WireType::F32, shape, x);
  ASSERT_EQ(raw.size(), 24u);
  EXPECT_EQ(std::memcmp(raw.data(), x, 24), 0);
  EXPECT_EQ(decode(WireType::F32, shape, raw.data(), raw.size()),
            FloatBuffer(x, x + 6));
  EXPECT_THROW(decode(WireType::F16, shape, p.data(), 10), Error);
  EXPECT_THROW(encodedBytes((WireType)7, shape), Error);
}

// Per-element error of the int8 round trip: half a step, plus the f32 rounding of
// x / scale and q * scale (< 127 * 2^-23 steps).
static void expectInt8Close(const FloatBuffer &x, const FloatBuffer &y,
                            const Shape &shape, const FloatBuffer &scales) {
  const int64_t c = int8Channels(shape);
  int64_t inner = 1;
  for (size_t d = 2; d < shape.size(); ++d)
    inner *= shape[d];
  ASSERT_EQ(x.size(), y.size());
  for (size_t i = 0; i < x.size(); ++i) {
    const float s = scales[(i / inner) % c];
    EXPECT_LE(std::fabs(x[i] - y[i]), s * (0.5f + 2e-5f)) << "element " << i;
  }
}

static FloatBuffer scalesOf(const std::vector<uint8_t> &p, int64_t c) {
  FloatBuffer s(c);
  std::memcpy(s.data(), p.data(), c * 4);
  return s;
}

TEST(WireCodec, Int8Rank4PerChannel) {
  const Shape shape{2, 3, 4, 5}; // channels: dim 1
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  FloatBuffer x(120);
  const float mag[3] = {100.0f, 0.0f, 0.001f}; // channel 1 all zeros
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = u(rng) * mag[(i / 20) % 3];
  x[7] = 250.0f; // the largest of channel 0 (n=0)
  ASSERT_EQ(encodedBytes(WireType::Int8, shape), 120u + 12u);
  const std::vector<uint8_t> p = encode(WireType::Int8, shape, x.data());
  ASSERT_EQ(p.size(), 132u);
  const FloatBuffer s = scalesOf(p, 3);
  EXPECT_EQ(s[0], 250.0f / 127.0f);
  EXPECT_EQ(s[1], 1.0f); // all-zero channel
  float max2 = 0;
  for (size_t i = 0; i < x.size(); ++i)
    if ((i / 20) % 3 == 2)
      max2 = std::max(max2, std::fabs(x[i]));
  EXPECT_EQ(s[2], max2 / 127.0f);
  const int8_t *q = reinterpret_cast<const int8_t *>(p.data() + 12);
  EXPECT_EQ(q[7], 127);
  for (int i = 0; i < 120; ++i) {
    EXPECT_GE(q[i], -127);
    if ((i / 20) % 3 == 1)
      EXPECT_EQ(q[i], 0);
  }
  const FloatBuffer y = decode(WireType::Int8, shape, p.data(), p.size());
  expectInt8Close(x, y, shape, s);
  for (size_t i = 0; i < x.size(); ++i)
    if ((i / 20) % 3 == 1)
      EXPECT_EQ(y[i], 0.0f);
  EXPECT_THROW(decode(WireType::Int8, shape, p.data(), 120), Error);
}

TEST(WireCodec, Int8Rank1Rank2AndScalar) {
  // Rank 1: every element is its own channel, so it comes back as q = +-127.
  const Shape v{5};
  const FloatBuffer x = {3.0f, -0.25f, 0.0f, 1e-3f, -7.5f};
  ASSERT_EQ(encodedBytes(WireType::Int8, v), 5u + 20u);
  std::vector<uint8_t> p = encode(WireType::Int8, v, x.data());
  ASSERT_EQ(p.size(), 25u);
  const FloatBuffer s = scalesOf(p, 5);
  EXPECT_EQ(s[2], 1.0f);
  const int8_t *q = reinterpret_cast<const int8_t *>(p.data() + 20);
  EXPECT_EQ(q[0], 127);
  EXPECT_EQ(q[1], -127);
  EXPECT_EQ(q[2], 0);
  EXPECT_EQ(q[4], -127);
  FloatBuffer y = decode(WireType::Int8, v, p.data(), p.size());
  expectInt8Close(x, y, v, s);
  // Rank 2 [N, C]: channel = column.
  const Shape m{2, 3};
  const FloatBuffer xm = {1, 10, -100, -0.5f, 5, 50};
  p = encode(WireType::Int8, m, xm.data());
  ASSERT_EQ(p.size(), 6u + 12u);
  const FloatBuffer sm = scalesOf(p, 3);
  EXPECT_EQ(sm[0], 1.0f / 127.0f);
  EXPECT_EQ(sm[1], 10.0f / 127.0f);
  EXPECT_EQ(sm[2], 100.0f / 127.0f);
  expectInt8Close(xm, decode(WireType::Int8, m, p.data(), p.size()), m, sm);
  // A scalar is one channel.
  const Shape scalar{};
  const float one = -4.0f;
  p = encode(WireType::Int8, scalar, &one);
  ASSERT_EQ(p.size(), 5u);
  EXPECT_EQ(decode(WireType::Int8, scalar, p.data(), p.size())[0], -4.0f);
}

// Rounding is to nearest (ties to even, as numpy/torch) and clamps at +-127.
TEST(WireCodec, Int8RoundingAndClamping) {
  const Shape v{1, 1, 6}; // one channel, scale = 127 / 127 = 1
  const FloatBuffer x = {127.0f, 2.5f, 3.5f, -2.5f, 0.4f, -126.6f};
  const std::vector<uint8_t> p = encode(WireType::Int8, v, x.data());
  const int8_t *q = reinterpret_cast<const int8_t *>(p.data() + 4);
  EXPECT_EQ(scalesOf(p, 1)[0], 1.0f);
  EXPECT_EQ(q[0], 127);
  EXPECT_EQ(q[1], 2);
  EXPECT_EQ(q[2], 4);
  EXPECT_EQ(q[3], -2);
  EXPECT_EQ(q[4], 0);
  EXPECT_EQ(q[5], -127);
}
