// TCP transport (design.md §4.3). Device i listens on devices[i].host:port; for each
// pair the higher rank connects to the lower one, which accepts. One reader thread per
// peer drains frames into a mailbox keyed by tag, so two devices that send large
// tensors to each other at the same time never deadlock on full socket buffers.
// Sends are asynchronous: send() copies the payload into a per-peer queue and returns;
// one writer thread per peer writes the queue in order. A writer's failure (peer lost,
// write timeout) is reported by the next send/recv/checkSends/flush.
#ifndef SEPNN_RT_TRANSPORT_TCP_H
#define SEPNN_RT_TRANSPORT_TCP_H

#include "io/cluster.h"
#include "transport/transport.h"

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

namespace sepnn {
namespace rt {

class TcpTransport : public Transport {
public:
  explicit TcpTransport(TransportOptions opts);
  // Closes without a goodbye: peers still waiting for us see a lost connection.
  ~TcpTransport() override;
  TcpTransport(const TcpTransport &) = delete;
  TcpTransport &operator=(const TcpTransport &) = delete;

  // Connects to every peer and exchanges handshakes. Throws Error naming the peer.
  void connectAll();
  void send(int peer, int64_t tag, const float *data, size_t count) override;
  FloatBuffer recv(int peer, int64_t tag, size_t count) override;
  void sendPayload(int peer, int64_t tag, WireType wire, const void *data,
                   size_t bytes) override;
  Payload recvPayload(int peer, int64_t tag, WireType wire, size_t bytes,
                      const std::string &what) override;
  uint64_t bytesSent(int peer) const override;
  void checkSends() override;
  void flush() override;
  // Queues a goodbye after every queued frame, waits (bounded) until the queues are
  // written, says goodbye to every peer, waits (bounded) for theirs, and closes.
  // Throws Error, naming the peer, if a peer was lost (or sent bad data) before its
  // goodbye; a peer still busy at the deadline is left to finish on its own.
  void finish() override;

  // "device 1 (pi1)"
  std::string who(int peer) const;
  // For tests that inject raw bytes.
  int socketFor(int peer) const;

private:
  struct Peer;
  Peer &peerFor(int peer, const char *what) const;
  void handshakeAsConnector(int peer, int fd);
  // `leftS`: what is left of the accept deadline.
  int handshakeAsAcceptor(int fd, const std::string &addr, double leftS);
  void readerLoop(Peer &p);
  void writerLoop(Peer &p);
  void enqueue(Peer &p, uint16_t kind, int64_t tag, uint32_t encoding, const void *data,
               size_t bytes);
  void throwIfSendFailed(); // mu_ held
  // A failed background send, on the program's thread (mu_ held).
  [[noreturn]] static void throwSendError(const Peer &p);
  void stopReaders();

public:
  // A peer's queue may hold this many bytes before send() waits for it to drain.
  static constexpr size_t kMaxQueuedBytes = size_t(256) << 20;
  // The most an accepting device waits for a connection's hello (and key proof).
  static constexpr double kPreAuthS = 5.0;

private:

  TransportOptions opts_;
  std::vector<std::unique_ptr<Peer>> peers_; // indexed by rank; null for ourselves
  mutable std::mutex mu_; // guards every Peer's mailbox, state and send queue
  std::condition_variable cv_; // mailbox/state changes, frames written, writer failures
  std::atomic<bool> stop_{false};
};

} // namespace rt
} // namespace sepnn

#endif
