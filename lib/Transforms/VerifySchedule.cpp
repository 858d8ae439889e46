// dist-verify-schedule: the outlined programs cannot deadlock.
//
// The runtime's sends never block (a reader thread per peer drains the
// socket into a mailbox), so the only waits are receives. Running every
// device's transfer sequence symbolically until nothing can move either
// finishes every device (no schedule of the real processes can deadlock: a
// receive only waits for a send that some device reaches without waiting on
// it) or stops with a set of devices that each wait for a tag that is never
// sent before their own wait is satisfied, which is reported.
#include "sepnn/Transforms/Passes.h"

#include "Dist/DistOps.h"
#include "llvm/ADT/DenseSet.h"

namespace mlir::sepnn {
#define GEN_PASS_DEF_DISTVERIFYSCHEDULE
#include "sepnn/Transforms/Passes.h.inc"
} // namespace mlir::sepnn

using namespace mlir;
using namespace mlir::sepnn;

namespace {
struct DeviceProgram {
  int64_t device;
  SmallVector<Operation *> transfers; // sends and recvs, in program order
  size_t next = 0;
};

struct DistVerifySchedulePass
    : sepnn::impl::DistVerifyScheduleBase<DistVerifySchedulePass> {
  void runOnOperation() override {
    SmallVector<DeviceProgram> programs;
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      std::optional<int64_t> device = dist::getDevice(func);
      if (!device) {
        func.emitOpError("is not a device function (run dist-outline-devices)");
        return signalPassFailure();
      }
      DeviceProgram program{*device, {}, 0};
      func.walk([&](Operation *op) {
        if (isa<dist::SendOp, dist::RecvOp>(op))
          program.transfers.push_back(op);
      });
      programs.push_back(std::move(program));
    }

    llvm::DenseSet<int64_t> sent;
    for (bool progress = true; progress;) {
      progress = false;
      for (DeviceProgram &p : programs) {
        while (p.next < p.transfers.size()) {
          Operation *op = p.transfers[p.next];
          if (auto send = dyn_cast<dist::SendOp>(op)) {
            sent.insert(send.getTag());
          } else if (!sent.contains(cast<dist::RecvOp>(op).getTag())) {
            break; // blocked until some device sends this tag
          }
          ++p.next;
          progress = true;
        }
      }
    }

    std::optional<InFlightDiagnostic> error;
    for (DeviceProgram &p : programs) {
      if (p.next == p.transfers.size())
        continue;
      auto recv = cast<dist::RecvOp>(p.transfers[p.next]);
      if (!error)
        error.emplace(getOperation().emitError(
            "the device programs can deadlock: "));
      else
        *error << "; ";
      *error << "device " << p.device << " waits for tag " << recv.getTag()
             << " from device " << recv.getFrom();
      error->attachNote(recv.getLoc())
          << "device " << p.device << " blocks here";
    }
    if (error) {
      error->report();
      signalPassFailure();
    }
  }
};
} // namespace
