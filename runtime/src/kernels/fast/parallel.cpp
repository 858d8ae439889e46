#include "kernels/fast/parallel.h"
#include "tensor.h"

#include <atomic>
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

// Workers sleep on a condition variable between kernels; a batch of jobs is handed
// out through an atomic counter so that fast threads take more jobs.
class Pool {
public:
  explicit Pool(int workers) {
    for (int i = 0; i < workers; ++i)
      threads_.emplace_back([this] { work(); });
  }
  ~Pool() {
    {
      std::lock_guard<std::mutex> lk(mu_);
      stop_ = true;
    }
    wake_.notify_all();
    for (std::thread &t : threads_)
      t.join();
  }

  void run(int64_t jobs, const std::function<void(int64_t)> &fn) {
    {
      std::lock_guard<std::mutex> lk(mu_);
      fn_ = &fn;
      jobs_ = jobs;
      next_.store(0);
      active_ = (int)threads_.size();
      error_ = nullptr;
      ++generation_;
    }
    wake_.notify_all();
    drain();
    std::unique_lock<std::mutex> lk(mu_);
    done_.wait(lk, [this] { return active_ == 0; });
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
      {
        std::unique_lock<std::mutex> lk(mu_);
        wake_.wait(lk, [&] { return stop_ || generation_ != seen; });
        if (stop_)
          return;
        seen = generation_;
      }
      drain();
      std::lock_guard<std::mutex> lk(mu_);
      if (--active_ == 0)
        done_.notify_one();
    }
  }

  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable wake_, done_;
  const std::function<void(int64_t)> *fn_ = nullptr;
  int64_t jobs_ = 0;
  std::atomic<int64_t> next_{0};
  int active_ = 0;
  uint64_t generation_ = 0;
  bool stop_ = false;
  std::exception_ptr error_;
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

} // namespace fast
} // namespace rt
} // namespace sepnn
