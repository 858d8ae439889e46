// Thin POSIX socket helpers where every blocking step has a timeout.
#ifndef SEPNN_RT_TRANSPORT_SOCKET_H
#define SEPNN_RT_TRANSPORT_SOCKET_H

#include "tensor.h"

#include <atomic>
#include <string>

namespace sepnn {
namespace rt {

// The peer went away (EOF inside a message, reset, broken pipe).
struct ConnectionLost : Error {
  using Error::Error;
};

// "2 s", "0.5 s"
std::string secondsStr(double s);

// Listens on host:port with SO_REUSEADDR. Throws Error("cannot listen on ...").
int listenOn(const std::string &host, int port);
// Connects, retrying refused/unreachable attempts until timeoutS has passed.
// `who` names the peer in messages ("device 0 (pi0)").
int connectWithRetry(const std::string &host, int port, double timeoutS,
                     const std::string &who);
// Waits up to timeoutS for a connection on a listening socket; -1 on timeout.
int acceptWithTimeout(int listenFd, double timeoutS, std::string *peerAddr);

// Reads exactly n bytes. A timeout counts from the last progress (from the call
// when `fixedDeadline`: a peer dripping bytes cannot extend it). Returns false if
// eofOk and the stream ended cleanly before the first byte. Throws ConnectionLost or
// Error. Polls in short slices so that `stop` (if given) is honoured.
bool readFull(int fd, void *buf, size_t n, double timeoutS, bool eofOk,
              const std::atomic<bool> *stop = nullptr, bool fixedDeadline = false);
// Writes exactly n bytes (MSG_NOSIGNAL); the timeout counts from the last progress.
void writeAll(int fd, const void *buf, size_t n, double timeoutS);

void closeFd(int &fd);

} // namespace rt
} // namespace sepnn

#endif
