// Helpers for tests that need real processes and sockets.
#ifndef SEPNN_RT_TEST_UTIL_H
#define SEPNN_RT_TEST_UTIL_H

#include "io/cluster.h"

#include <functional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace sepnn {
namespace rt {
namespace test {

// A loopback port that was free a moment ago (bind to port 0, read it back).
int freePort();
// n devices "d0".."d<n-1>" on 127.0.0.1 with fresh ports.
std::vector<DeviceInfo> loopbackDevices(int n);
// A fresh empty directory under /tmp.
std::string tempDir();

struct Child {
  pid_t pid = -1;
  int pipeFd = -1; // the child's message (function result, or stderr after exec)
};
struct ChildResult {
  int exitCode = -1;  // exit status, or -1 if it had to be killed / died by a signal
  bool timedOut = false;
  std::string message;
};
// Forks; the child runs fn (empty result = success, else the error text) and exits.
Child spawn(const std::function<std::string()> &fn);
// Forks and execs argv with stderr captured.
Child spawnExec(const std::vector<std::string> &argv);
// Waits up to timeoutS, then SIGKILLs the child (and reports timedOut).
ChildResult join(Child c, double timeoutS);

// What f throws as Error, or "no error".
std::string errorOf(const std::function<void()> &f);

} // namespace test
} // namespace rt
} // namespace sepnn

#endif
