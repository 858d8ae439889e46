// MPI transport: the same point-to-point tensors as TCP, over Open MPI, for
// device executables launched by `mpirun` as one MPMD job (device k is MPI
// rank k of MPI_COMM_WORLD). Sends are MPI_Isend of a private copy; receives
// poll MPI_Iprobe so that every wait is bounded by the timeout. All MPI calls
// come from the device's one thread (MPI_THREAD_FUNNELED is enough).
#ifndef SEPNN_RT_TRANSPORT_MPI_H
#define SEPNN_RT_TRANSPORT_MPI_H

#include "transport/transport.h"

#include <memory>
#include <string>

namespace sepnn {
namespace rt {

class MpiTransport : public Transport {
public:
  // Initializes MPI, checks that the job has one rank per device and that this
  // process is rank `opts.rank`, and that every rank runs the same model
  // (hashes exchanged with an allgather). Throws Error.
  explicit MpiTransport(TransportOptions opts);
  ~MpiTransport() override;
  MpiTransport(const MpiTransport &) = delete;
  MpiTransport &operator=(const MpiTransport &) = delete;

  void send(int peer, int64_t tag, const float *data, size_t count) override;
  FloatBuffer recv(int peer, int64_t tag, size_t count) override;
  void sendPayload(int peer, int64_t tag, WireType wire, const void *data,
                   size_t bytes) override;
  Payload recvPayload(int peer, int64_t tag, WireType wire, size_t bytes,
                      const std::string &what) override;
  uint64_t bytesSent(int peer) const override;
  void checkSends() override;
  void flush() override;
  void finish() override;

  std::string who(int peer) const;

private:
  struct State;
  TransportOptions opts_;
  std::unique_ptr<State> state_;
};

} // namespace rt
} // namespace sepnn

#endif
