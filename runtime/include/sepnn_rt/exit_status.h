// Exit statuses of a device executable, shared by the runtime (which exits with
// them) and `sepnn run` (which reads them to say which device failed first).
#ifndef SEPNN_RT_EXIT_STATUS_H
#define SEPNN_RT_EXIT_STATUS_H

namespace sepnn {
namespace rt {

constexpr int kExitFailed = 1;
// The device stopped only because a peer's connection ended without its
// goodbye: a consequence of that peer's failure, not a cause, so `sepnn run`
// blames the peer whichever of them exits first.
constexpr int kExitPeerLost = 3;

} // namespace rt
} // namespace sepnn

#endif
