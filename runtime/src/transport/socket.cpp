#include "transport/socket.h"

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace sepnn {
namespace rt {

using Clock = std::chrono::steady_clock;

static int msUntil(Clock::time_point t) {
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(t - Clock::now()).count();
  return ms < 0 ? 0 : ms > 1000000000 ? 1000000000 : (int)ms;
}
static Clock::time_point after(double s) {
  return Clock::now() + std::chrono::microseconds((int64_t)(s * 1e6));
}

std::string secondsStr(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g s", s);
  return buf;
}

namespace {
struct AddrInfo {
  addrinfo *list = nullptr;
  AddrInfo(const std::string &host, int port, bool passive, const std::string &ctx) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = passive ? AI_PASSIVE : 0;
    const int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &list);
    if (rc != 0)
      fail(ctx, ": cannot resolve host '", host, "': ", gai_strerror(rc));
  }
  ~AddrInfo() {
    if (list)
      freeaddrinfo(list);
  }
};

void setNoDelay(int fd) {
  int one = 1; // tensors are written as header + payload: do not wait for more data
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}
} // namespace

void closeFd(int &fd) {
  if (fd >= 0)
    ::close(fd);
  fd = -1;
}

int listenOn(const std::string &host, int port) {
  const std::string where = host + ":" + std::to_string(port);
  AddrInfo ai(host, port, true, "cannot listen on " + where);
  int lastErr = 0;
  for (addrinfo *a = ai.list; a; a = a->ai_next) {
    int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      lastErr = errno;
      continue;
    }
    int one = 1; // a restarted device must be able to rebind at once (TIME_WAIT)
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    int rc = ::bind(fd, a->ai_addr, a->ai_addrlen);
    if (rc != 0 && errno == EADDRNOTAVAIL) {
      // The cluster file may name an address this machine does not own (NAT, a
      // public name): listen on every interface of the same family instead.
      sockaddr_storage any{};
      std::memcpy(&any, a->ai_addr, a->ai_addrlen);
      if (a->ai_family == AF_INET)
        reinterpret_cast<sockaddr_in &>(any).sin_addr.s_addr = htonl(INADDR_ANY);
      else if (a->ai_family == AF_INET6)
        reinterpret_cast<sockaddr_in6 &>(any).sin6_addr = in6addr_any;
      rc = ::bind(fd, reinterpret_cast<sockaddr *>(&any), a->ai_addrlen);
    }
    if (rc == 0 && ::listen(fd, 64) == 0)
      return fd;
    lastErr = errno;
    ::close(fd);
  }
  fail("cannot listen on ", where, ": ", std::strerror(lastErr));
}

int connectWithRetry(const std::string &host, int port, double timeoutS,
                     const std::string &who) {
  const std::string where = host + ":" + std::to_string(port);
  const auto deadline = after(timeoutS);
  std::string lastErr = "no attempt";
  for (;;) {
    AddrInfo ai(host, port, false, who);
    for (addrinfo *a = ai.list; a; a = a->ai_next) {
      int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                        a->ai_protocol);
      if (fd < 0) {
        lastErr = std::strerror(errno);
        continue;
      }
      int rc = ::connect(fd, a->ai_addr, a->ai_addrlen);
      int err = rc == 0 ? 0 : errno;
      if (err == EINPROGRESS) {
        pollfd p{fd, POLLOUT, 0};
        rc = ::poll(&p, 1, msUntil(deadline));
        err = rc == 0 ? ETIMEDOUT : 0;
        if (rc > 0) {
          socklen_t len = sizeof err;
          getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        }
      }
      if (err == 0) {
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
        setNoDelay(fd);
        return fd;
      }
      lastErr = std::strerror(err);
      ::close(fd);
    }
    // The peer may simply not be up yet: retry until the deadline.
    if (msUntil(deadline) <= 0)
      fail("timed out after ", secondsStr(timeoutS), " connecting to ", who, " at ",
           where, " (last error: ", lastErr, ")");
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min(50, msUntil(deadline))));
  }
}

int acceptWithTimeout(int listenFd, double timeoutS, std::string *peerAddr) {
  const auto deadline = after(timeoutS);
  for (;;) {
    pollfd p{listenFd, POLLIN, 0};
    const int rc = ::poll(&p, 1, msUntil(deadline));
    if (rc < 0 && errno == EINTR)
      continue;
    if (rc < 0)
      fail("poll on the listening socket: ", std::strerror(errno));
    if (rc == 0)
      return -1;
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    const int fd = ::accept4(listenFd, reinterpret_cast<sockaddr *>(&ss), &len, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == ECONNABORTED)
        continue;
      fail("accept: ", std::strerror(errno));
    }
    char host[NI_MAXHOST] = "?", serv[NI_MAXSERV] = "?";
    getnameinfo(reinterpret_cast<sockaddr *>(&ss), len, host, sizeof host, serv,
                sizeof serv, NI_NUMERICHOST | NI_NUMERICSERV);
    if (peerAddr)
      *peerAddr = std::string(host) + ":" + serv;
    setNoDelay(fd);
    return fd;
  }
}

bool readFull(int fd, void *buf, size_t n, double timeoutS, bool eofOk,
              const std::atomic<bool> *stop, bool fixedDeadline) {
  char *p = static_cast<char *>(buf);
  size_t got = 0;
  auto deadline = after(timeoutS);
  while (got < n) {
    if (stop && stop->load())
      fail("transport is shutting down");
    const int left = msUntil(deadline);
    if (left <= 0)
      fail("timed out after ", secondsStr(timeoutS), " in the middle of a message");
    pollfd pf{fd, POLLIN, 0};
    const int rc = ::poll(&pf, 1, std::min(left, 100));
    if (rc < 0 && errno != EINTR)
      fail("poll: ", std::strerror(errno));
    if (rc <= 0)
      continue;
    const ssize_t k = ::recv(fd, p + got, n - got, 0);
    if (k > 0) {
      got += (size_t)k;
      if (!fixedDeadline)
        deadline = after(timeoutS);
    } else if (k == 0) {
      if (got == 0 && eofOk)
        return false;
      throw ConnectionLost("connection closed in the middle of a message");
    } else if (errno != EINTR && errno != EAGAIN) {
      if (errno == ECONNRESET || errno == EPIPE)
        throw ConnectionLost(std::strerror(errno));
      fail("read: ", std::strerror(errno));
    }
  }
  return true;
}

void writeAll(int fd, const void *buf, size_t n, double timeoutS) {
  const char *p = static_cast<const char *>(buf);
  size_t done = 0;
  auto deadline = after(timeoutS);
  while (done < n) {
    const int left = msUntil(deadline);
    if (left <= 0)
      fail("timed out after ", secondsStr(timeoutS), " (the peer stopped reading)");
    pollfd pf{fd, POLLOUT, 0};
    const int rc = ::poll(&pf, 1, left);
    if (rc < 0 && errno != EINTR)
      fail("poll: ", std::strerror(errno));
    if (rc <= 0)
      continue;
    // MSG_NOSIGNAL: a vanished peer is an error to report, not a SIGPIPE death.
    const ssize_t k = ::send(fd, p + done, n - done, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (k > 0) {
      done += (size_t)k;
      deadline = after(timeoutS);
    } else if (k < 0 && errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
      if (errno == EPIPE || errno == ECONNRESET)
        throw ConnectionLost(std::strerror(errno));
      fail("write: ", std::strerror(errno));
    }
  }
}

} // namespace rt
} // namespace sepnn
