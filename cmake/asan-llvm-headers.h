// Force-included into sepnn's compiler code in AddressSanitizer builds
// (scripts/sanitize.sh; see CMakeLists.txt). LLVM's BumpPtrAllocator poisons
// each slab it allocates when the code instantiating it is instrumented, and
// unpoisons each allocation on its inlined fast path. Debian's libMLIR is not
// instrumented: a slab started by sepnn's instantiation is then handed out by
// libMLIR's fast path still poisoned, and every use of it reads as a
// use-after-poison. So that LLVM's header code behaves here as in libMLIR, the
// poisoning hooks are no-ops; everything else stays checked.
#include <sanitizer/asan_interface.h>

#include "llvm/Support/Compiler.h"

#undef __asan_poison_memory_region
#undef __asan_unpoison_memory_region
#define __asan_poison_memory_region(p, size) ((void)(p), (void)(size))
#define __asan_unpoison_memory_region(p, size) ((void)(p), (void)(size))
