// The Ctx behind abi.h: tensors of the current inference, the first error, inputs,
// outputs, weights and the transport. main() (device_main.cpp) and the tests build it.
#ifndef SEPNN_RT_CTX_H
#define SEPNN_RT_CTX_H

#include "kernels/fast/fast.h"
#include "sepnn_rt/abi.h"
#include "tensor.h"
#include "transport/transport.h"

#include <algorithm>
#include <cstring>
#include <deque>
#include <map>
#include <string>

namespace sepnn {
namespace rt {

struct Ctx {
  // Tensors created during the current inference; a Tensor's id indexes here. A deque
  // keeps references stable while kernels append results.
  std::deque<TensorData> tensors;
  bool failed = false;
  std::string error; // the first failure, "<op> (call #<n>): <message>"
  bool peerLost = false; // that failure was a peer's lost connection
  int64_t calls = 0; // ABI calls in this inference, to locate the failing one
  // With --op-times: each call's time summed over the timed inferences, by call number.
  struct OpTime {
    const char *op = nullptr;
    Shape shape; // of its result
    double seconds = 0;
    int64_t count = 0;
  };
  bool timeOps = false;
  // SEPNN_SLOWDOWN=F (F >= 1): every call but the transfers takes F times as long
  // (the device spins for the difference), to emulate a slower device in benchmarks. A CPU quota
  // (cgroup cpu.max) does not: a device that waits on the network between layers
  // keeps running at full speed within its quota.
  double slowdown = 1;
  std::vector<OpTime> opTimes;

  // Model inputs (from --input files) and where they came from, for messages.
  std::vector<TensorData> inputs;
  std::vector<std::string> inputNames;
  // Outputs recorded by output(); kept across inferences (the last one wins).
  std::map<int64_t, TensorData> outputs;
  int64_t maxOutputs = -1; // number of --output files; -1: not checked

  // weights.bin, mapped or read whole; haveWeights is false when there is no file.
  bool haveWeights = false;
  const unsigned char *weights = nullptr;
  size_t weightsSize = 0;
  std::string weightsPath;

  Transport *transport = nullptr; // null in a single-device cluster

  // Conv weights packed for the GEMM on first use (only those inside `weights`).
  fast::PackCache packs;

  // `peerLost`: the error is a lost peer's connection (PeerLost), a consequence.
  void setError(const std::string &msg, bool peerLost = false) {
    if (!failed) {
      failed = true;
      error = msg;
      this->peerLost = peerLost;
    }
  }
  // Bytes of activations (tensors that own their values) alive now, and the most
  // alive at once in any inference so far: the memory plan's figure (release()).
  int64_t liveBytes = 0, peakLiveBytes = 0;

  // Set by place_next(): the next tensor created is the slice [start, start + its
  // extent) along `axis` of tensor `dest` (whose dims before axis are 1, so the slice
  // is contiguous); dest < 0 when none is pending.
  struct Placement {
    int32_t dest = -1;
    int64_t axis = 0, start = 0;
  };
  Placement placement;

  // Frees every tensor of the previous inference.
  void beginInference() {
    tensors.clear();
    calls = 0;
    liveBytes = 0;
    placement = {};
  }
  // Where a pending placement puts a tensor of shape s (checked against the slice),
  // or null when none is pending. Kernels given it write their output there.
  float *placedOutput(const Shape &s) {
    if (placement.dest < 0)
      return nullptr;
    TensorData &d = tensors[placement.dest];
    if (d.released)
      fail("the place_next destination (tensor ", placement.dest,
           ") was released before a result was placed in it");
    const int64_t axis = placement.axis;
    bool fits = s.size() == d.shape.size() && placement.start + s[axis] <= d.shape[axis];
    for (size_t i = 0; fits && i < s.size(); ++i)
      fits = (int64_t)i == axis || s[i] == d.shape[i];
    if (!fits)
      fail("a result of shape ", shapeStr(s), " does not fit at ", placement.start,
           " along axis ", axis, " of its place_next destination ", shapeStr(d.shape));
    int64_t inner = 1;
    for (size_t i = axis + 1; i < s.size(); ++i)
      inner *= s[i];
    return d.mut() + placement.start * inner;
  }
  Tensor add(TensorData t) {
    if (float *p = placedOutput(t.shape)) { // the placed result: a view of its slice
      if (t.data() != p)                    // (a kernel that did not write it there)
        std::memcpy(p, t.data(), (size_t)t.numel() * sizeof(float));
      t = TensorData::view(t.shape, p);
      placement = {};
    }
    liveBytes += (int64_t)(t.own.size() * sizeof(float));
    peakLiveBytes = std::max(peakLiveBytes, liveBytes);
    tensors.push_back(std::move(t));
    return Tensor{(int32_t)(tensors.size() - 1)};
  }
  const TensorData &get(Tensor t, const char *operand) const {
    if (t.id < 0 || (size_t)t.id >= tensors.size())
      fail("operand ", operand, " is not a valid tensor (id ", t.id, ")");
    if (tensors[t.id].released)
      fail("operand ", operand, " (tensor ", t.id, ") was released before this use");
    return tensors[t.id];
  }
  // Frees t's values (its memory goes back to the heap for the next tensors).
  void release(Tensor t) {
    get(t, "t");
    TensorData &d = tensors[t.id];
    liveBytes -= (int64_t)(d.own.size() * sizeof(float));
    d.own = FloatBuffer{};
    d.ext = nullptr;
    d.released = true;
  }
};

} // namespace rt
} // namespace sepnn

#endif
