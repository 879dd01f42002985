// mubi: classify many windows (evaluation, offline use). The work is split into contiguous
// chunks, one per worker, each worker with its own arena; the caller supplies the workers
// through `parallel_for(workers, fn)`, which must call fn(w) once for every w in
// [0, workers) and return when all calls have returned. Nothing here allocates or creates
// threads: host/std_threads.hpp has a std::thread parallel_for, and a plain loop runs it
// on one core (or an MCU).
#pragma once

#include <atomic>
#include <cstddef>

#include "../status.hpp"

namespace mubi {

// Windows [begin, end) of `in` (each M::input_size floats) to `out` (M::output_size each);
// stops at the first window whose infer() fails and returns its status.
template <class M>
Status infer_range(const M& model, const float* in, float* out, std::size_t begin, std::size_t end,
                   typename M::Arena& arena) noexcept {
  if (!model.ready()) return Status::not_ready;
  for (std::size_t i = begin; i < end; ++i)
    if (const Status s = model.infer(in + i * M::input_size, out + i * M::output_size, arena); s != Status::ok)
      return s;
  return Status::ok;
}

// n windows on `workers` workers; arenas[w] belongs to worker w. Returns ok, or the status
// of a failed window (the first one to fail, in time, when several workers fail).
template <class M, class ParallelFor>
Status infer_batch(const M& model, const float* in, std::size_t n, float* out, typename M::Arena* arenas,
                   std::size_t workers, ParallelFor&& parallel_for) {
  if (!model.ready()) return Status::not_ready;
  if (workers == 0) workers = 1;
  const std::size_t per = (n + workers - 1) / workers;
  std::atomic<unsigned char> failed{static_cast<unsigned char>(Status::ok)};
  parallel_for(workers, [&](std::size_t w) {
    const std::size_t begin = w * per < n ? w * per : n;
    const std::size_t end = begin + per < n ? begin + per : n;
    const Status s = infer_range(model, in, out, begin, end, arenas[w]);
    unsigned char none = static_cast<unsigned char>(Status::ok);
    if (s != Status::ok) failed.compare_exchange_strong(none, static_cast<unsigned char>(s));
  });
  return static_cast<Status>(failed.load());
}

}  // namespace mubi
