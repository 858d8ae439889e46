// What the ABI layer needs from a transport: point-to-point tensors by (peer, tag).
#ifndef SEPNN_RT_TRANSPORT_TRANSPORT_H
#define SEPNN_RT_TRANSPORT_TRANSPORT_H

#include <cstddef>
#include <cstdint>
#include <vector>

namespace sepnn {
namespace rt {

class Transport {
public:
  virtual ~Transport() = default;
  // Blocks until the payload is written (bounded by the timeout). Throws Error.
  virtual void send(int peer, int64_t tag, const float *data, size_t count) = 0;
  // Waits (bounded by the timeout) for the next tensor from `peer` under `tag` and
  // checks that it has `count` values. Throws Error.
  virtual std::vector<float> recv(int peer, int64_t tag, size_t count) = 0;
  // Tensor payload bytes sent to `peer` so far (headers and handshakes excluded:
  // the compiler's manifest predicts exactly numel*4 per send).
  virtual uint64_t bytesSent(int peer) const = 0;
};

} // namespace rt
} // namespace sepnn

#endif
