#include "ProcessGroup.h"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <cstring>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace sepnn::driver;

std::string ChildResult::describe() const {
  if (signaled())
    return std::string("killed by signal ") + std::to_string(signal) + " (" +
           strsignal(signal) + ")";
  return "exited with status " + std::to_string(exitCode) +
         (lostPeer() ? " (lost a peer)" : "");
}

ProcessGroup::~ProcessGroup() { killAll(SIGKILL); }

bool ProcessGroup::spawn(const std::vector<std::string> &argv,
                         std::string &error) {
  std::vector<char *> cargv;
  for (const std::string &a : argv)
    cargv.push_back(const_cast<char *>(a.c_str()));
  cargv.push_back(nullptr);
  // A pipe closed on exec tells the parent whether exec succeeded.
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    error = std::string("pipe: ") + strerror(errno);
    return false;
  }
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    error = std::string("fork: ") + strerror(errno);
    return false;
  }
  if (pid == 0) {
    // A device must not outlive the driver, even if the driver is killed.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
      _exit(127);
    setpgid(0, group);
    execv(cargv[0], cargv.data());
    int err = errno;
    (void)!write(fds[1], &err, sizeof err);
    _exit(127);
  }
  if (!group)
    group = pid;
  setpgid(pid, group); // also in the parent: no race with killAll
  close(fds[1]);
  int err = 0;
  ssize_t n = read(fds[0], &err, sizeof err);
  close(fds[0]);
  if (n == sizeof err) {
    waitpid(pid, nullptr, 0);
    error = argv[0] + ": cannot execute: " + strerror(err);
    return false;
  }
  pids.push_back(pid);
  children.emplace_back();
  done.push_back(false);
  return true;
}

void ProcessGroup::killAll(int signal) {
  for (size_t i = 0; i < pids.size(); ++i)
    if (!done[i]) {
      kill(pids[i], signal);
      // A stopped device (SIGSTOP, a debugger) acts on SIGTERM only once
      // continued.
      if (signal != SIGKILL)
        kill(pids[i], SIGCONT);
    }
}

int ProcessGroup::waitAll(double timeoutSeconds, double graceSeconds) {
  using Clock = std::chrono::steady_clock;
  auto deadline = Clock::now() + std::chrono::duration<double>(timeoutSeconds);
  int firstFailure = -1;
  std::vector<size_t> failures; // in the order they were reaped, before any stop
  size_t remaining = pids.size();
  bool stopping = false, terminated = false;
  auto stopDeadline = deadline;
  auto graceUntil = deadline;
  while (remaining > 0) {
    bool reaped = false;
    for (size_t i = 0; i < pids.size(); ++i) {
      if (done[i])
        continue;
      int status;
      pid_t r = waitpid(pids[i], &status, WNOHANG);
      if (r != pids[i])
        continue;
      reaped = true;
      done[i] = true;
      --remaining;
      ChildResult &c = children[i];
      if (WIFSIGNALED(status))
        c.signal = WTERMSIG(status);
      else
        c.exitCode = WEXITSTATUS(status);
      c.stoppedByUs = terminated;
      if (!c.ok() && !terminated)
        failures.push_back(i);
      if (!c.ok() && firstFailure < 0 && !stopping) {
        firstFailure = i;
        // The others notice the lost peer themselves and say so; give them a
        // moment to, then stop whoever is left so nothing stays behind.
        stopping = true;
        graceUntil = Clock::now() + std::chrono::duration<double>(graceSeconds);
        stopDeadline = graceUntil + std::chrono::seconds(2);
      }
    }
    if (remaining == 0)
      break;
    auto now = Clock::now();
    if (!stopping && now > deadline) {
      stopping = terminated = true;
      firstFailure = -2;
      killAll(SIGTERM);
      stopDeadline = now + std::chrono::seconds(2);
    } else if (stopping && now > stopDeadline) {
      killAll(SIGKILL);
    } else if (stopping && !terminated && now > graceUntil) {
      terminated = true;
      killAll(SIGTERM);
    }
    if (!reaped)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  // Devices that lose a peer exit with an error at almost the same moment
  // the peer dies or closes its connections, often before the peer is reaped
  // (a sanitizer's exit work alone can take longer).
  if (firstFailure < 0)
    return firstFailure;
  for (size_t i : failures)
    if (children[i].signaled())
      return i;
  for (size_t i : failures)
    if (!children[i].lostPeer())
      return i;
  return firstFailure;
}
