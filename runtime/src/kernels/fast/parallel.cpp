#include "kernels/fast/parallel.h"
#include "tensor.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <pthread.h>
#include <sched.h>
#include <string>
#include <thread>
#include <vector>

namespace sepnn {
namespace rt {
namespace fast {
namespace {

// Set while a thread runs a job: a parallelFor inside a job runs serially there.
thread_local bool inJob = false;

int readThreadCount() {
  const char *v = std::getenv("SEPNN_THREADS");
  if (!v || !*v)
    return 1;
  char *end = nullptr;
  const long n = std::strtol(v, &end, 10);
  if (*end != '\0' || n < 1 || n > 256)
    fail("SEPNN_THREADS must be a number of threads from 1 to 256, got '", v, "'");
  return (int)n;
}

// Waits until done() holds: spinning for `spin` first (kernels follow each other within
// microseconds, and waking a sleeping thread costs tens of microseconds, more in a
// virtual machine), then blocking on `cv` under `mu`.
template <class Done>
void spinThenWait(std::mutex &mu, std::condition_variable &cv, std::chrono::microseconds spin,
                  Done done) {
  const auto until = std::chrono::steady_clock::now() + spin;
  while (!done())
    if (std::chrono::steady_clock::now() > until) {
      std::unique_lock<std::mutex> lk(mu);
      cv.wait(lk, done);
      return;
    }
}

// How long the caller spins for its workers to finish, and a worker for the next
// batch, before blocking.
constexpr std::chrono::microseconds kSpin{200};

// With at most as many threads as the CPUs the process may run on, the caller and
// each worker are pinned to CPUs of their own. Unpinned, Linux at times left the
// caller and a worker on one CPU for seconds, the other idle (a woken thread goes to
// its waker's CPU): measured on a 2-vCPU machine, whole networks then ran at 2
// threads 1.5-2x slower than with 1. Returns the CPUs to pin to, or none.
std::vector<int> cpusToPin(int threads) {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) != 0)
    return {};
  std::vector<int> cpus;
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &set))
      cpus.push_back(c);
  if ((int)cpus.size() < threads)
    return {};
  cpus.resize((size_t)threads);
  return cpus;
}

void pinTo(std::thread::native_handle_type thread, int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  pthread_setaffinity_np(thread, sizeof(set), &set); // best effort
}

// A batch of jobs is handed out through an atomic counter so that fast threads take
// more jobs; the calling thread works too.
class Pool {
public:
  explicit Pool(int workers) {
    for (int i = 0; i < workers; ++i)
      threads_.emplace_back([this] { work(); });
    const std::vector<int> cpus = cpusToPin(workers + 1);
    if (!cpus.empty()) {
      pinTo(pthread_self(), cpus[0]);
      for (int i = 0; i < workers; ++i)
        pinTo(threads_[(size_t)i].native_handle(), cpus[(size_t)i + 1]);
    }
  }
  ~Pool() {
    {
      std::lock_guard<std::mutex> lk(mu_);
      stop_.store(true);
    }
    wake_.notify_all();
    for (std::thread &t : threads_)
      t.join();
  }

  void run(int64_t jobs, const std::function<void(int64_t)> &fn) {
    fn_ = &fn;
    jobs_ = jobs;
    next_.store(0);
    error_ = nullptr;
    active_.store((int)threads_.size());
    {
      std::lock_guard<std::mutex> lk(mu_);
      generation_.fetch_add(1);
    }
    wake_.notify_all();
    drain();
    spinThenWait(mu_, done_, kSpin, [this] { return active_.load() == 0; });
    fn_ = nullptr;
    if (error_)
      std::rethrow_exception(error_);
  }

private:
  void drain() {
    for (int64_t j; (j = next_.fetch_add(1)) < jobs_;) {
      try {
        inJob = true;
        (*fn_)(j);
        inJob = false;
      } catch (...) {
        inJob = false;
        std::lock_guard<std::mutex> lk(mu_);
        if (!error_)
          error_ = std::current_exception();
      }
    }
  }
  void work() {
    uint64_t seen = 0;
    for (;;) {
      spinThenWait(mu_, wake_, kSpin,
                   [&] { return stop_.load() || generation_.load() != seen; });
      if (stop_.load())
        return;
      seen = generation_.load();
      drain();
      if (active_.fetch_sub(1) == 1) {
        std::lock_guard<std::mutex> lk(mu_); // the caller may be about to block
        done_.notify_one();
      }
    }
  }

  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable wake_, done_;
  // Written by run() before the generation is published, read by the workers after.
  const std::function<void(int64_t)> *fn_ = nullptr;
  int64_t jobs_ = 0;
  std::exception_ptr error_;
  std::atomic<int64_t> next_{0};
  std::atomic<int> active_{0};
  std::atomic<uint64_t> generation_{0};
  std::atomic<bool> stop_{false};
};

} // namespace

int threadCount() {
  static const int n = readThreadCount();
  return n;
}

void parallelFor(int64_t jobs, const std::function<void(int64_t)> &fn) {
  const int threads = threadCount();
  if (threads == 1 || jobs <= 1 || inJob) {
    for (int64_t j = 0; j < jobs; ++j)
      fn(j);
    return;
  }
  static Pool pool(threads - 1);
  pool.run(jobs, fn);
}

void parallelRanges(int64_t count, const std::function<void(int64_t, int64_t)> &fn) {
  const int64_t ranges = std::min<int64_t>(count, threadCount() == 1 ? 1 : 4 * threadCount());
  parallelFor(ranges, [&](int64_t r) { fn(count * r / ranges, count * (r + 1) / ranges); });
}

} // namespace fast
} // namespace rt
} // namespace sepnn
