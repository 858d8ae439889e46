// What the ABI layer needs from a transport: point-to-point tensors by (peer, tag).
#ifndef SEPNN_RT_TRANSPORT_TRANSPORT_H
#define SEPNN_RT_TRANSPORT_TRANSPORT_H

#include "io/cluster.h"
#include "sepnn_rt/abi.h"
#include "tensor.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace sepnn {
namespace rt {

// One received frame's payload: `bytes` bytes stored in 4-byte aligned words (so that
// an f32 payload is its own value vector).
struct Payload {
  WireType wire = WireType::F32;
  size_t bytes = 0;
  FloatBuffer words; // (bytes + 3) / 4 words; the tail padding is zero
  const uint8_t *data() const { return reinterpret_cast<const uint8_t *>(words.data()); }
};

// What any transport needs to connect this device to its peers.
struct TransportOptions {
  int rank = 0;
  std::vector<DeviceInfo> devices;
  std::string modelHash;
  double timeoutS = 30; // every connect, accept, read, write and recv wait
  // The pre-shared cluster key (CLUSTER.json "key_file"); empty: none. With a key,
  // every connection proves it both ways (auth.h) and strangers are refused.
  std::string key;
  // What the program receives (ProgramInfo::receives); without it, frames are
  // checked against the protocol's limits only.
  bool haveReceiveTable = false;
  std::vector<RecvSpec> receives;
};

// "device 1 (pi1)", or "device 7" for a rank outside `devices`.
inline std::string peerName(const std::vector<DeviceInfo> &devices, int peer) {
  if (peer < 0 || peer >= (int)devices.size())
    return "device " + std::to_string(peer);
  return "device " + std::to_string(peer) + " (" + devices[peer].name + ")";
}

class Transport {
public:
  virtual ~Transport() = default;
  // Copies the payload into the peer's send queue and returns; the transport writes it
  // in order in the background (send waits, bounded by the timeout, only while the
  // queue is full). Throws Error, also for an earlier send that failed in background.
  virtual void send(int peer, int64_t tag, const float *data, size_t count) = 0;
  // Waits (bounded by the timeout) for the next tensor from `peer` under `tag` and
  // checks that it has `count` values. Throws Error.
  virtual FloatBuffer recv(int peer, int64_t tag, size_t count) = 0;
  // send/recv for an encoded payload (wire_codec.h) of `bytes` bytes: the frame
  // carries `wire`, and recvPayload checks both it and the length; `what` describes
  // the expected payload in messages ("f16 [1,8,4,4]").
  virtual void sendPayload(int peer, int64_t tag, WireType wire, const void *data,
                           size_t bytes) = 0;
  virtual Payload recvPayload(int peer, int64_t tag, WireType wire, size_t bytes,
                              const std::string &what) = 0;
  // Tensor payload bytes sent to `peer` so far (headers and handshakes excluded: the
  // compiler's manifest predicts exactly numel*4 per send, numel*2 per f16 send_as
  // and numel + 4*C per int8 send_as).
  virtual uint64_t bytesSent(int peer) const = 0;
  // Throws the first background send failure (naming the peer), if any; never waits.
  virtual void checkSends() {}
  // Waits (bounded by the timeout without progress) until every queued payload is
  // written. Throws like checkSends.
  virtual void flush() {}
  // Ends the session in order after the last inference (goodbyes, shutdown).
  // Throws Error if a peer vanished without its goodbye: the run failed there.
  // (A peer still working when the wait ends is not an error.)
  virtual void finish() {}
};

} // namespace rt
} // namespace sepnn

#endif
