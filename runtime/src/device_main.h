// The device executable's main(), parameterized by the program so that tests can run
// it with programs of their own.
#ifndef SEPNN_RT_DEVICE_MAIN_H
#define SEPNN_RT_DEVICE_MAIN_H

#include "sepnn_rt/abi.h"

namespace sepnn {
namespace rt {

// Parses the command line, runs the program, writes outputs and the report. Returns
// the exit status; on failure prints "error: device <rank> (<name>): <message>".
int deviceMain(int argc, char **argv, const ProgramInfo &info, void (*run)(Ctx *));

} // namespace rt
} // namespace sepnn

#endif
