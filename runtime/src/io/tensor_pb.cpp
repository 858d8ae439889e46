// Protobuf wire format: each field is a varint key (field << 3 | wire type) then a
// value: 0 varint, 1 fixed 64-bit, 2 length-delimited, 5 fixed 32-bit. Unknown fields
// are skipped by wire type so that files from newer ONNX versions still load.
#include "io/tensor_pb.h"

#include "io/file.h"

#include <cstring>

namespace sepnn {
namespace rt {
namespace {

// TensorProto field numbers (onnx.proto).
enum : uint32_t {
  kDims = 1,
  kDataType = 2,
  kFloatData = 4,
  kName = 8,
  kRawData = 9,
  kDataLocation = 14,
};
enum : uint32_t { kVarint = 0, kFixed64 = 1, kLen = 2, kFixed32 = 5 };

const char *dataTypeName(uint64_t t) {
  static const char *names[] = {"UNDEFINED", "FLOAT",  "UINT8",     "INT8",      "UINT16",
                                "INT16",     "INT32",  "INT64",     "STRING",    "BOOL",
                                "FLOAT16",   "DOUBLE", "UINT32",    "UINT64",    "COMPLEX64",
                                "COMPLEX128", "BFLOAT16"};
  return t < sizeof(names) / sizeof(names[0]) ? names[t] : "unknown";
}

struct Reader {
  const uint8_t *p, *end;
  const std::string &what;

  bool done() const { return p == end; }
  [[noreturn]] void bad(const char *msg) const {
    fail(what, ": malformed TensorProto: ", msg);
  }
  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p == end)
        bad("truncated varint");
      const uint8_t b = *p++;
      v |= uint64_t(b & 0x7f) << shift;
      if (!(b & 0x80))
        return v;
    }
    bad("varint longer than 10 bytes");
  }
  const uint8_t *take(uint64_t n) {
    if (n > uint64_t(end - p))
      bad("field runs past the end of the file (truncated?)");
    const uint8_t *q = p;
    p += n;
    return q;
  }
  Reader sub() { // a length-delimited field's body
    const uint64_t n = varint();
    const uint8_t *q = take(n);
    return Reader{q, q + n, what};
  }
  void skip(uint32_t wire) {
    switch (wire) {
    case kVarint: varint(); break;
    case kFixed64: take(8); break;
    case kLen: sub(); break;
    case kFixed32: take(4); break;
    default: bad("unsupported wire type (groups or garbage)");
    }
  }
};

float loadF32(const uint8_t *q) { // little-endian on every supported target
  uint32_t u = uint32_t(q[0]) | uint32_t(q[1]) << 8 | uint32_t(q[2]) << 16 |
               uint32_t(q[3]) << 24;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

void putVarint(std::string &out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(char(v | 0x80));
    v >>= 7;
  }
  out.push_back(char(v));
}

} // namespace

PbTensor parseTensorProto(const std::string &bytes, const std::string &what) {
  Reader r{reinterpret_cast<const uint8_t *>(bytes.data()),
           reinterpret_cast<const uint8_t *>(bytes.data()) + bytes.size(), what};
  PbTensor t;
  uint64_t dataType = 0;
  bool haveRaw = false;
  std::string raw;
  std::vector<float> floats;
  while (!r.done()) {
    const uint64_t key = r.varint();
    const uint32_t field = uint32_t(key >> 3), wire = uint32_t(key & 7);
    if (field == 0)
      r.bad("field number 0");
    if (field == kDims && wire == kVarint) {
      t.dims.push_back((int64_t)r.varint());
    } else if (field == kDims && wire == kLen) { // packed
      Reader s = r.sub();
      while (!s.done())
        t.dims.push_back((int64_t)s.varint());
    } else if (field == kDataType && wire == kVarint) {
      dataType = r.varint();
    } else if (field == kFloatData && wire == kFixed32) {
      floats.push_back(loadF32(r.take(4)));
    } else if (field == kFloatData && wire == kLen) { // packed
      Reader s = r.sub();
      if ((s.end - s.p) % 4)
        r.bad("packed float_data length is not a multiple of 4");
      for (; !s.done(); s.p += 4)
        floats.push_back(loadF32(s.p));
    } else if (field == kName && wire == kLen) {
      Reader s = r.sub();
      t.name.assign(reinterpret_cast<const char *>(s.p), s.end - s.p);
    } else if (field == kRawData && wire == kLen) {
      Reader s = r.sub();
      raw.assign(reinterpret_cast<const char *>(s.p), s.end - s.p);
      haveRaw = true;
    } else if (field == kDataLocation && wire == kVarint) {
      if (r.varint() != 0)
        fail(what, ": tensor data is stored externally, which is not supported");
    } else if (field <= kRawData && field != 3 && field != 5 && field != 6 &&
               field != 7) {
      r.bad("known field with an unexpected wire type");
    } else {
      r.skip(wire);
    }
  }
  if (dataType != 1)
    fail(what, ": tensor has data type ", dataType, " (", dataTypeName(dataType),
         "), only FLOAT (1) is supported");
  for (int64_t d : t.dims)
    if (d < 0)
      fail(what, ": negative dimension in ", shapeStr(t.dims));
  int64_t n;
  try {
    n = numelOf(t.dims);
  } catch (const Error &e) {
    fail(what, ": ", e.what());
  }
  if (haveRaw) {
    if ((int64_t)raw.size() != n * 4)
      fail(what, ": raw_data has ", raw.size(), " bytes, shape ", shapeStr(t.dims),
           " needs ", n * 4);
    t.data.resize((size_t)n);
    for (int64_t i = 0; i < n; ++i)
      t.data[i] = loadF32(reinterpret_cast<const uint8_t *>(raw.data()) + 4 * i);
  } else {
    if ((int64_t)floats.size() != n)
      fail(what, ": float_data has ", floats.size(), " values, shape ",
           shapeStr(t.dims), " needs ", n);
    t.data = std::move(floats);
  }
  return t;
}

std::string serializeTensorProto(const Shape &dims, const float *data,
                                 const std::string &name) {
  std::string out;
  for (int64_t d : dims) { // proto2 `repeated int64 dims`: unpacked, like onnx writes
    putVarint(out, (kDims << 3) | kVarint);
    putVarint(out, (uint64_t)d);
  }
  putVarint(out, (kDataType << 3) | kVarint);
  putVarint(out, 1);
  if (!name.empty()) {
    putVarint(out, (kName << 3) | kLen);
    putVarint(out, name.size());
    out += name;
  }
  const int64_t n = numelOf(dims);
  putVarint(out, (kRawData << 3) | kLen);
  putVarint(out, (uint64_t)n * 4);
  const size_t at = out.size();
  out.resize(at + (size_t)n * 4);
  for (int64_t i = 0; i < n; ++i) {
    uint32_t u;
    std::memcpy(&u, data + i, 4);
    for (int b = 0; b < 4; ++b)
      out[at + 4 * i + b] = char((u >> (8 * b)) & 0xff);
  }
  return out;
}

PbTensor readTensorFile(const std::string &path) {
  return parseTensorProto(readFile(path), path);
}

void writeTensorFile(const std::string &path, const Shape &dims, const float *data,
                     const std::string &name) {
  writeFile(path, serializeTensorProto(dims, data, name));
}

} // namespace rt
} // namespace sepnn
