// The driver's subcommands (design.md 4.1).
#ifndef SEPNN_TOOLS_SEPNN_COMMANDS_H
#define SEPNN_TOOLS_SEPNN_COMMANDS_H

namespace sepnn::driver {
int runImport(int argc, char **argv);
int runCompile(int argc, char **argv);
int runRun(int argc, char **argv);
int runSearch(int argc, char **argv);
int runProfile(int argc, char **argv);
} // namespace sepnn::driver

#endif
