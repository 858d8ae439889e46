// The Ctx behind abi.h: tensors of the current inference, the first error, inputs,
// outputs, weights and the transport. main() (device_main.cpp) and the tests build it.
#ifndef SEPNN_RT_CTX_H
#define SEPNN_RT_CTX_H

#include "kernels/fast/fast.h"
#include "sepnn_rt/abi.h"
#include "tensor.h"
#include "transport/transport.h"

#include <algorithm>
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

  // Frees every tensor of the previous inference.
  void beginInference() {
    tensors.clear();
    calls = 0;
    liveBytes = 0;
  }
  Tensor add(TensorData t) {
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
