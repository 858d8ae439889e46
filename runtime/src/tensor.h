// Internal tensor storage and error helpers shared by kernels, io and the ABI layer.
// Inside the runtime, failures are reported by throwing sepnn::rt::Error; the ABI layer
// (abi.cpp) and main() catch them, so no exception ever crosses abi.h.
#ifndef SEPNN_RT_TENSOR_H
#define SEPNN_RT_TENSOR_H

#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace sepnn {
namespace rt {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A peer's connection ended without its goodbye: this device fails because that
// peer did, so the driver blames the peer (kExitPeerLost).
struct PeerLost : Error {
  using Error::Error;
};

// Builds a message from any streamable pieces: fail("x has ", n, " dims").
template <class... Ts> std::string cat(const Ts &...parts) {
  std::ostringstream os;
  (os << ... << parts);
  return os.str();
}
template <class... Ts> [[noreturn]] void fail(const Ts &...parts) {
  throw Error(cat(parts...));
}
template <class... Ts> [[noreturn]] void failPeerLost(const Ts &...parts) {
  throw PeerLost(cat(parts...));
}

using Shape = std::vector<int64_t>;

// std::allocator, except that resize() leaves new elements uninitialized: kernels
// write every element of their outputs, so zero-filling them first would be a wasted
// pass over memory.
template <class T> struct UninitAllocator : std::allocator<T> {
  template <class U> struct rebind {
    using other = UninitAllocator<U>;
  };
  UninitAllocator() = default;
  template <class U> UninitAllocator(const UninitAllocator<U> &) noexcept {}
  template <class U> void construct(U *p) noexcept { ::new ((void *)p) U; }
  template <class U, class... Args> void construct(U *p, Args &&...args) {
    ::new ((void *)p) U(std::forward<Args>(args)...);
  }
};
using FloatBuffer = std::vector<float, UninitAllocator<float>>;

// "[1,3,32,32]"
std::string shapeStr(const Shape &s);
// Product of dims; throws on negative dims or overflow (shapes come from files and
// generated code, so they are checked rather than trusted).
int64_t numelOf(const Shape &s);

// A dense row-major f32 tensor. Either owns its values (`own`) or views memory that
// outlives it (`ext`: the mmapped weights file, or a loaded input), which avoids
// copying every weight on every inference.
struct TensorData {
  Shape shape;
  FloatBuffer own;
  const float *ext = nullptr;
  bool released = false; // by abi.h release(): its values are gone

  const float *data() const { return ext ? ext : own.data(); }
  float *mut() { return own.data(); }
  int64_t numel() const { return numelOf(shape); }
  int64_t rank() const { return (int64_t)shape.size(); }

  static TensorData zeros(const Shape &shape) {
    TensorData t;
    t.shape = shape;
    t.own.assign((size_t)numelOf(shape), 0.0f);
    return t;
  }
  // Values unset: for outputs that a kernel writes in full.
  static TensorData uninit(const Shape &shape) {
    TensorData t;
    t.shape = shape;
    t.own.resize((size_t)numelOf(shape));
    return t;
  }
  static TensorData view(const Shape &shape, const float *p) {
    TensorData t;
    t.shape = shape;
    t.ext = p;
    return t;
  }
};

} // namespace rt
} // namespace sepnn

#endif
