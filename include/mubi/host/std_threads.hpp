// mubi: a parallel_for for infer_batch on hosts: one std::thread per worker beyond the
// first (the calling thread is worker 0). Creating a thread allocates its state, so this
// header is host-only and not part of mubi.hpp; the MCU and no-heap paths never see it.
#pragma once

#include <cstddef>
#include <thread>

namespace mubi::host {

struct StdThreads {
  static constexpr std::size_t kMaxWorkers = 64;

  // Calls fn(w) for every w in [0, workers); beyond kMaxWorkers, thread j also runs
  // workers j + kMaxWorkers, j + 2 kMaxWorkers, ...
  template <class Fn>
  void operator()(std::size_t workers, Fn&& fn) const {
    const std::size_t threads_used = workers < kMaxWorkers ? workers : kMaxWorkers;
    const auto run = [&fn, workers](std::size_t j) {
      for (std::size_t w = j; w < workers; w += kMaxWorkers) fn(w);
    };
    std::thread threads[kMaxWorkers - 1];
    for (std::size_t j = 1; j < threads_used; ++j) threads[j - 1] = std::thread(run, j);
    if (workers > 0) run(0);
    for (std::size_t j = 1; j < threads_used; ++j) threads[j - 1].join();
  }
};

// Hardware threads, at least 1.
inline std::size_t hardware_workers() {
  const unsigned n = std::thread::hardware_concurrency();
  return n ? n : 1;
}

}  // namespace mubi::host
