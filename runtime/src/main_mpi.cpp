// main() of device executables built for the MPI transport (library
// sepnn_rt_mpi_main): launched by mpirun, device k as MPI rank k.
#include "device_main.h"
#include "transport/mpi.h"

namespace {
std::unique_ptr<sepnn::rt::Transport>
makeMpiTransport(const sepnn::rt::TransportOptions &options) {
  return std::make_unique<sepnn::rt::MpiTransport>(options);
}
} // namespace

int main(int argc, char **argv) {
  return sepnn::rt::deviceMain(argc, argv, sepnn_program_info,
                               sepnn_program_run, makeMpiTransport);
}

// Under AddressSanitizer (scripts/sanitize.sh): Open MPI keeps allocations of
// its own, partly in plugins it has unloaded by exit, which LeakSanitizer reports
// and no suppression can name. The same runtime code is leak-checked through the
// TCP executables.
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
extern "C" int __lsan_is_turned_off() { return 1; }
#endif
#endif
