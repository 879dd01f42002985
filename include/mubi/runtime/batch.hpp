// mubi: classify many windows (evaluation, offline use). The work is split into contiguous
// chunks, one per worker, each worker with its own arena (a lockstep arena runs
// M::lockstep_windows windows side by side); the caller supplies the workers
// through `parallel_for(workers, fn)`, which must call fn(w) once for every w in
// [0, workers) and return when all calls have returned. Nothing here allocates or creates
// threads: host/std_threads.hpp has a std::thread parallel_for, and a plain loop runs it
// on one core (or an MCU).
#pragma once

#include <atomic>
#include <cstddef>
#include <type_traits>

#include "../status.hpp"

namespace mubi {
namespace detail {
// M::LockstepArena, or void for a model type without one.
template <class M, class = void>
struct LockstepArenaType {
  using type = void;
};
template <class M>
struct LockstepArenaType<M, std::void_t<typename M::LockstepArena>> {
  using type = typename M::LockstepArena;
};
template <class M>
using LockstepArenaOf = typename LockstepArenaType<M>::type;
}  // namespace detail

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

// The same with lockstep arenas (M::LockstepArena): M::lockstep_windows windows at a time
// (infer_lockstep), the last few one by one.
template <class M>
Status infer_range(const M& model, const float* in, float* out, std::size_t begin, std::size_t end,
                   typename M::LockstepArena& arena) noexcept {
  if (!model.ready()) return Status::not_ready;
  constexpr std::size_t N = M::lockstep_windows;
  std::size_t i = begin;
  for (; i + N <= end; i += N)
    if (const Status s = model.infer_lockstep(in + i * M::input_size, out + i * M::output_size, arena); s != Status::ok)
      return s;
  return infer_range(model, in, out, i, end, arena.windows[0]);
}

// n windows on `workers` workers; arenas[w] belongs to worker w: M::Arena (one window at a
// time, the least memory) or M::LockstepArena (lockstep_windows at a time, faster). Returns ok, or the status
// of a failed window (the first one to fail, in time, when several workers fail).
template <class M, class WorkerArena, class ParallelFor>
Status infer_batch(const M& model, const float* in, std::size_t n, float* out, WorkerArena* arenas,
                   std::size_t workers, ParallelFor&& parallel_for) {
  static_assert(std::is_same_v<WorkerArena, typename M::Arena> || std::is_same_v<WorkerArena, detail::LockstepArenaOf<M>>,
                "mubi::infer_batch: arenas are M::Arena or M::LockstepArena");
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
