// main() of every device executable (library sepnn_rt_main); the generated
// program.cpp provides sepnn_program_info and sepnn_program_run.
#include "device_main.h"

int main(int argc, char **argv) {
  return sepnn::rt::deviceMain(argc, argv, sepnn_program_info, sepnn_program_run);
}
