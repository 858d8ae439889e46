#include "kernels/fast/parallel.h"
#include "tensor.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
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

// Waits until done() holds: spinning for a while first (kernels follow each other within
// microseconds, and waking a sleeping thread costs tens of microseconds, more in a
// virtual machine), then blocking on `cv` under `mu`.
template <class Done>
void spinThenWait(std::mutex &mu, std::condition_variable &cv, Done done) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(200);
  while (!done())
    if (std::chrono::steady_clock::now() > until) {
      std::unique_lock<std::mutex> lk(mu);
      cv.wait(lk, done);
      return;
    }
}

// A batch of jobs is handed out through an atomic counter so that fast threads take
// more jobs; the calling thread works too.
class Pool {
public:
  explicit Pool(int workers) {
    for (int i = 0; i < workers; ++i)
      threads_.emplace_back([this] { work(); });
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
    spinThenWait(mu_, done_, [this] { return active_.load() == 0; });
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
      spinThenWait(mu_, wake_, [&] { return stop_.load() || generation_.load() != seen; });
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
