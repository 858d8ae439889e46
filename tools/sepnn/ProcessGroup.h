// Runs the device executables as one process group: waits for all of them,
// and when one fails (or the deadline passes) stops the others, so that no
// process is ever left behind.
#ifndef SEPNN_TOOLS_SEPNN_PROCESSGROUP_H
#define SEPNN_TOOLS_SEPNN_PROCESSGROUP_H

#include "sepnn_rt/exit_status.h"

#include <string>
#include <sys/types.h>
#include <vector>

namespace sepnn::driver {

struct ChildResult {
  int exitCode = -1;   // valid when !signaled
  int signal = 0;      // the signal that ended it, if any
  bool stoppedByUs = false; // killed because another device failed first
  std::string describe() const;
  bool ok() const { return !signaled() && exitCode == 0; }
  bool signaled() const { return signal != 0; }
  bool lostPeer() const { return !signaled() && exitCode == rt::kExitPeerLost; }
};

class ProcessGroup {
public:
  ~ProcessGroup();
  /// Starts argv[0] with argv; returns false (with `error`) when it cannot.
  bool spawn(const std::vector<std::string> &argv, std::string &error);
  /// Waits until every child exited or `timeoutSeconds` passed. Returns the
  /// index of the child that failed first, or -1 when all succeeded; -2 on
  /// timeout (all children are then killed). After a failure the others get
  /// `graceSeconds` to exit on their own before they are terminated.
  /// Exit order alone cannot say who failed first (the cause may exit last):
  /// a child killed by a signal we did not send is blamed first, then the
  /// first that failed on its own, then the first that only lost a peer.
  int waitAll(double timeoutSeconds, double graceSeconds);
  const std::vector<ChildResult> &results() const { return children; }

private:
  void killAll(int signal);
  std::vector<pid_t> pids;
  std::vector<ChildResult> children;
  std::vector<bool> done;
  pid_t group = 0;
};

} // namespace sepnn::driver

#endif
