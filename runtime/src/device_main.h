// The device executable's main(), parameterized by the program so that tests can run
// it with programs of their own.
#ifndef SEPNN_RT_DEVICE_MAIN_H
#define SEPNN_RT_DEVICE_MAIN_H

#include "sepnn_rt/abi.h"
#include "sepnn_rt/exit_status.h"
#include "transport/transport.h"

#include <memory>

namespace sepnn {
namespace rt {

using TransportFactory = std::unique_ptr<Transport> (*)(const TransportOptions &);

// TCP (the default): connects to every peer before returning.
std::unique_ptr<Transport> makeTcpTransport(const TransportOptions &options);

// Parses the command line, runs the program, writes outputs and the report. Returns
// the exit status (0, kExitFailed or kExitPeerLost); on failure prints
// "error: device <rank> (<name>): <message>".
// `makeTransport` is called only when the cluster has several devices.
int deviceMain(int argc, char **argv, const ProgramInfo &info, void (*run)(Ctx *),
               TransportFactory makeTransport = makeTcpTransport);

} // namespace rt
} // namespace sepnn

#endif
