// TensorProto codec: round trip, hand-built wire variants, truncation and garbage,
// and interop with Python's onnx package when it is available.
#include "io/file.h"
#include "io/tensor_pb.h"
#include "test_util.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <random>

using namespace sepnn::rt;

static void varint(std::string &s, uint64_t v) {
  while (v >= 0x80) {
    s.push_back(char(v | 0x80));
    v >>= 7;
  }
  s.push_back(char(v));
}
static void f32(std::string &s, float f) {
  char b[4];
  std::memcpy(b, &f, 4); // little-endian host
  s.append(b, 4);
}

TEST(TensorPb, RoundTrip) {
  std::vector<float> v = {1.5f, -2.0f, 3.25f, 0.0f, 1e-30f, -7.0f};
  const std::string bytes = serializeTensorProto({2, 3}, v.data(), "x");
  PbTensor t = parseTensorProto(bytes, "x.pb");
  EXPECT_EQ(t.name, "x");
  EXPECT_EQ(t.dims, (Shape{2, 3}));
  EXPECT_EQ(t.data, v);
  // A scalar (no dims) has one element.
  float s = 4;
  PbTensor sc = parseTensorProto(serializeTensorProto({}, &s, ""), "s.pb");
  EXPECT_TRUE(sc.dims.empty());
  EXPECT_EQ(sc.data, std::vector<float>{4});
}

TEST(TensorPb, WireVariantsAndUnknownFields) {
  // Packed dims, unpacked float_data, a doc_string (12) and an unknown varint (100).
  std::string b;
  varint(b, (1 << 3) | 2);
  varint(b, 2);
  varint(b, 1);
  varint(b, 2);
  varint(b, (12 << 3) | 2);
  varint(b, 3);
  b += "doc";
  varint(b, (100 << 3) | 0);
  varint(b, 123456789);
  varint(b, (2 << 3) | 0);
  varint(b, 1);
  for (float f : {1.0f, 2.0f}) {
    varint(b, (4 << 3) | 5);
    f32(b, f);
  }
  varint(b, (13 << 3) | 1); // unknown fixed64
  b.append(8, '\0');
  PbTensor t = parseTensorProto(b, "v.pb");
  EXPECT_EQ(t.dims, (Shape{1, 2}));
  EXPECT_EQ(t.data, (std::vector<float>{1, 2}));

  // Packed float_data.
  std::string p;
  varint(p, (1 << 3) | 0);
  varint(p, 3);
  varint(p, (2 << 3) | 0);
  varint(p, 1);
  varint(p, (4 << 3) | 2);
  varint(p, 12);
  for (float f : {5.0f, 6.0f, 7.0f})
    f32(p, f);
  EXPECT_EQ(parseTensorProto(p, "p.pb").data, (std::vector<float>{5, 6, 7}));
}

TEST(TensorPb, WrongDataTypeNamesFileAndType) {
  std::string b;
  varint(b, (1 << 3) | 0);
  varint(b, 1);
  varint(b, (2 << 3) | 0);
  varint(b, 7); // INT64
  try {
    parseTensorProto(b, "ids.pb");
    FAIL();
  } catch (const Error &e) {
    EXPECT_STREQ(e.what(), "ids.pb: tensor has data type 7 (INT64), only FLOAT (1) is supported");
  }
}

TEST(TensorPb, TruncatedAndGarbageNeverCrash) {
  std::vector<float> v(50, 0.5f);
  const std::string bytes = serializeTensorProto({5, 10}, v.data(), "t");
  // Every strict prefix is missing something: always an error naming the file.
  for (size_t n = 0; n < bytes.size(); ++n) {
    try {
      parseTensorProto(bytes.substr(0, n), "t.pb");
      FAIL() << "prefix of " << n << " bytes parsed";
    } catch (const Error &e) {
      EXPECT_EQ(std::string(e.what()).rfind("t.pb: ", 0), 0u) << e.what();
    }
  }
  std::mt19937 rng(1);
  for (int i = 0; i < 2000; ++i) {
    std::string g(rng() % 64, '\0');
    for (char &c : g)
      c = char(rng());
    try {
      parseTensorProto(g, "g.pb");
    } catch (const Error &) {
    }
  }
  // A huge claimed length must not allocate or read out of bounds.
  std::string huge;
  varint(huge, (9 << 3) | 2);
  varint(huge, uint64_t(1) << 62);
  EXPECT_THROW(parseTensorProto(huge, "h.pb"), Error);
  // Missing file.
  try {
    readTensorFile("/nonexistent/in.pb");
    FAIL();
  } catch (const Error &e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/in.pb: cannot open"), std::string::npos);
  }
}

TEST(TensorPb, InteropWithPythonOnnx) {
  if (std::system("/usr/bin/python3 -c 'import onnx, numpy' >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "/usr/bin/python3 with onnx and numpy not available";
  const std::string dir = test::tempDir();
  // Python writes, we read.
  const std::string cmd =
      "/usr/bin/python3 -c \"import numpy as np, onnx; from onnx import numpy_helper as h; "
      "a = np.arange(24, dtype=np.float32).reshape(2,3,4) * 0.5 - 3; "
      "open('" + dir + "/py.pb','wb').write(h.from_array(a, 'pyt').SerializeToString())\"";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  PbTensor t = readTensorFile(dir + "/py.pb");
  EXPECT_EQ(t.name, "pyt");
  EXPECT_EQ(t.dims, (Shape{2, 3, 4}));
  ASSERT_EQ(t.data.size(), 24u);
  for (int i = 0; i < 24; ++i)
    EXPECT_EQ(t.data[i], i * 0.5f - 3);
  // We write, Python reads and checks.
  writeTensorFile(dir + "/rt.pb", {3, 2}, t.data.data(), "ours");
  const std::string check =
      "/usr/bin/python3 -c \"import numpy as np, onnx; from onnx import numpy_helper as h; "
      "t = onnx.load_tensor('" + dir + "/rt.pb'); a = h.to_array(t); "
      "exp = (np.arange(6, dtype=np.float32) * 0.5 - 3).reshape(3,2); "
      "assert t.name == 'ours' and a.dtype == np.float32 and a.shape == (3,2), (t.name, a.shape); "
      "assert (a == exp).all(), a\"";
  EXPECT_EQ(std::system(check.c_str()), 0);
  // Python's float_data (not raw_data) encoding too.
  const std::string fd =
      "/usr/bin/python3 -c \"import onnx; t = onnx.helper.make_tensor('f', onnx.TensorProto.FLOAT, "
      "[2,2], [1.0, 2.0, 3.0, 4.0]); open('" + dir + "/fd.pb','wb').write(t.SerializeToString())\"";
  ASSERT_EQ(std::system(fd.c_str()), 0);
  EXPECT_EQ(readTensorFile(dir + "/fd.pb").data, (std::vector<float>{1, 2, 3, 4}));
}
