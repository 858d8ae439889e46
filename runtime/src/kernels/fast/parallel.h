// Intra-op parallelism: a pool of SEPNN_THREADS - 1 worker threads (the environment
// variable, default 1: everything runs on the calling thread) that the fast kernels
// share. Each kernel splits its work into independent jobs.
#ifndef SEPNN_RT_FAST_PARALLEL_H
#define SEPNN_RT_FAST_PARALLEL_H

#include <cstdint>
#include <functional>

namespace sepnn {
namespace rt {
namespace fast {

// Threads a kernel may use: SEPNN_THREADS (1 to 256), read once; 1 when unset.
// Throws Error naming the variable when it is not such a number.
int threadCount();

// Runs fn(0) ... fn(jobs - 1), spread over the pool and the calling thread; returns
// when all have finished. The first exception thrown by a job is rethrown here.
// A parallelFor called from inside a job runs its jobs serially on that thread.
void parallelFor(int64_t jobs, const std::function<void(int64_t)> &fn);

// Runs fn(begin, end) over [0, count) cut into contiguous ranges, a few per thread
// (enough for the atomic hand-out to even out), in parallel like parallelFor. For
// work whose per-range setup is worth sharing across neighbouring items.
void parallelRanges(int64_t count, const std::function<void(int64_t, int64_t)> &fn);

} // namespace fast
} // namespace rt
} // namespace sepnn

#endif
