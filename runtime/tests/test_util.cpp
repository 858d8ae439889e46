#include "test_util.h"

#include "tensor.h"

#include <arpa/inet.h>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace sepnn {
namespace rt {
namespace test {

int freePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

std::vector<DeviceInfo> loopbackDevices(int n) {
  std::vector<DeviceInfo> d(n);
  for (int i = 0; i < n; ++i) {
    d[i].name = "d" + std::to_string(i);
    d[i].host = "127.0.0.1";
    d[i].port = freePort();
  }
  return d;
}

std::string tempDir() {
  char tmpl[] = "/tmp/sepnn_rt_test_XXXXXX";
  const char *p = ::mkdtemp(tmpl);
  return p ? p : "/tmp";
}

Child spawn(const std::function<std::string()> &fn) {
  int fds[2];
  if (::pipe(fds) != 0)
    std::abort();
  Child c;
  c.pid = ::fork();
  if (c.pid == 0) {
    ::close(fds[0]);
    std::string msg;
    try {
      msg = fn();
    } catch (const std::exception &e) {
      msg = std::string("exception: ") + e.what();
    }
    if (!msg.empty() && ::write(fds[1], msg.data(), msg.size()) < 0)
      _exit(3);
    _exit(msg.empty() ? 0 : 1); // _exit: no gtest teardown in the child
  }
  ::close(fds[1]);
  c.pipeFd = fds[0];
  return c;
}

Child spawnExec(const std::vector<std::string> &argv) {
  int fds[2];
  if (::pipe(fds) != 0)
    std::abort();
  Child c;
  c.pid = ::fork();
  if (c.pid == 0) {
    ::close(fds[0]);
    ::dup2(fds[1], 2);
    std::vector<char *> args;
    for (auto &a : argv)
      args.push_back(const_cast<char *>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    _exit(127);
  }
  ::close(fds[1]);
  c.pipeFd = fds[0];
  return c;
}

ChildResult join(Child c, double timeoutS) {
  ChildResult r;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds((int)(timeoutS * 1000));
  int status = 0;
  for (;;) {
    // Drain the pipe while waiting so a chatty child never blocks on it.
    pollfd p{c.pipeFd, POLLIN, 0};
    if (::poll(&p, 1, 10) > 0) {
      char buf[4096];
      const ssize_t n = ::read(c.pipeFd, buf, sizeof buf);
      if (n > 0)
        r.message.append(buf, (size_t)n);
    }
    const pid_t w = ::waitpid(c.pid, &status, WNOHANG);
    if (w == c.pid)
      break;
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(c.pid, SIGKILL);
      ::waitpid(c.pid, &status, 0);
      r.timedOut = true;
      break;
    }
  }
  char buf[4096];
  ssize_t n;
  while ((n = ::read(c.pipeFd, buf, sizeof buf)) > 0)
    r.message.append(buf, (size_t)n);
  ::close(c.pipeFd);
  if (!r.timedOut && WIFEXITED(status))
    r.exitCode = WEXITSTATUS(status);
  return r;
}

std::string errorOf(const std::function<void()> &f) {
  try {
    f();
  } catch (const Error &e) {
    return e.what();
  }
  return "no error";
}

} // namespace test
} // namespace rt
} // namespace sepnn
