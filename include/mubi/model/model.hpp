// mubi: a runnable instance of a model type, float or int8 (Int8<Arch>, quantized.hpp), with
// one interface. Model<Arch> owns static storage for the weights (load() copies a blob into
// it; bind() points at a blob instead) and an activation arena; BoundModel<Arch> has no
// weight storage and only binds, for weights that stay in flash. Nothing here allocates,
// throws or changes state on a failed call.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "../backend/contract.hpp"
#include "../backend/default.hpp"
#if defined(__SSE2__) && defined(__has_include)
#if __has_include(<xsimd/xsimd.hpp>)
#include "../dispatch/dispatch.hpp"
#define MUBI_HAS_DISPATCH 1
#endif
#endif
#include "../format/blob.hpp"
#include "../format/validate.hpp"
#include "../status.hpp"
#include "fold.hpp"
#include "sequential.hpp"

namespace mubi {
namespace detail {

// The architecture a Folded<A> model also loads (and folds), or void (every model type
// declares `source`).
template <class A>
using SourceOf = typename A::source;

template <std::size_t N>
struct alignas(kBufferAlign) ByteBuffer {
  unsigned char data[N > 0 ? N : 1];
};
// A model's prepared weights (model/sequential.hpp, prepare()); nothing where there are none.
template <std::size_t N>
struct alignas(64) PreparedBuffer {
  unsigned char prepared_weights[N] = {};
};
template <>
struct PreparedBuffer<0> {
  static constexpr unsigned char* prepared_weights = nullptr;
};

// What a dispatched model calls: the kernels chosen at load()/bind() (a base, so that it
// takes no space in the other models).
template <class Arch, bool Dispatched>
struct KernelChoice {};
#ifdef MUBI_HAS_DISPATCH
template <class B>
inline constexpr bool is_dispatched = std::is_same_v<B, backend::Dispatched>;
template <class Arch>
struct KernelChoice<Arch, true> {
  const dispatch::Kernels<Arch>* kernels = nullptr;
  bool selected = false;  // select_isa() was called: load()/bind() keep that choice
};
#else
template <class B>
inline constexpr bool is_dispatched = false;
#endif

}  // namespace detail

template <class Arch, bool OwnsWeights, class Backend>
class BasicModel : private detail::KernelChoice<Arch, detail::is_dispatched<Backend>>,
                   private detail::PreparedBuffer<Arch::template prepared_bytes<Backend>> {
  using Choice = detail::KernelChoice<Arch, detail::is_dispatched<Backend>>;
  // The prepared weights (bases, so that they take no space where there are none).
  using Prepared = detail::PreparedBuffer<Arch::template prepared_bytes<Backend>>;
  static_assert(detail::is_dispatched<Backend> || backend::conforms<Backend>,
                "mubi: this backend does not implement the backend contract (backend/contract.hpp): a kernel is "
                "missing or takes other parameters");

 public:
  using arch = Arch;
  using backend = Backend;
  using In = typename Arch::In;
  using Out = typename Arch::Out;
  static constexpr std::size_t input_size = Arch::input_size;
  static constexpr std::size_t output_size = Arch::output_size;
  using InputArray = std::array<float, input_size>;
  using OutputArray = std::array<float, output_size>;
  // Caller-owned arena, for running one model from several threads (one arena each).
  using Arena = detail::ByteBuffer<Arch::arena_bytes>;
  // Caller-owned arena for infer_lockstep(): kLockstepWindows window arenas, then the
  // lockstep layers' shared scratch.
  static constexpr std::size_t lockstep_windows = kLockstepWindows;
  struct LockstepArena {
    static_assert(sizeof(Arena) == Arch::arena_stride, "mubi: window arenas lie arena_stride bytes apart");
    Arena windows[lockstep_windows];
    detail::ByteBuffer<Arch::template lockstep_scratch_bytes<lockstep_windows>> scratch;
  };
  static constexpr bool is_int8 = Arch::dtype == DType::i8;
  static constexpr bool is_dispatched = detail::is_dispatched<Backend>;

  // Zero-copy: the model reads weights from `data` for as long as it stays bound, so the
  // blob must outlive it (e.g. a const array in flash). The payload must be 16-byte aligned.
  Status bind(const void* data, std::size_t size) noexcept {
    format::BlobView v;
    if (const Status s = format::parse_header(data, size, v); s != Status::ok) return s;
    format::Match matched;
    if (const Status s = format::validate<Arch>(v, format::Use::bind, matched); s != Status::ok) return s;
    weights_ = v.payload();
    choose_kernels();
    return Status::ok;
  }

  // Copies the weights into the model's own storage; the blob may be freed afterwards and
  // need not be aligned. A Folded<A> model also takes a blob of A and folds BatchNorm here.
  Status load(const void* data, std::size_t size) noexcept {
    static_assert(OwnsWeights, "mubi::BoundModel has no weight storage: use bind(), or Model for load()");
    using Source = detail::SourceOf<Arch>;
    format::BlobView v;
    if (const Status s = format::parse_header(data, size, v); s != Status::ok) return s;
    format::Match matched;
    if (const Status s = format::validate<Arch, Source>(v, format::Use::load, matched); s != Status::ok) return s;
    if constexpr (!std::is_void_v<Source>) {
      if (matched == format::Match::source) {
        // The folded values must be finite floats too (invalid_parameter otherwise).
        if (const Status s = detail::fold_payload<Source, Arch>(v.payload(), nullptr); s != Status::ok) return s;
        detail::fold_payload<Source, Arch>(v.payload(), storage_.data);
        weights_ = storage_.data;
        choose_kernels();
        return Status::ok;
      }
    }
    std::memcpy(storage_.data, v.payload(), Arch::weight_bytes);
    weights_ = storage_.data;
    choose_kernels();
    return Status::ok;
  }

  bool ready() const noexcept { return weights_ != nullptr; }
  const unsigned char* weights() const noexcept { return weights_; }

  // Classifies one window: `in` holds In::len x In::ch raw values, time-major; `out`
  // receives Out::size values (the logits for the paper's network).
  Status infer(const float* in, float* out) noexcept { return infer(in, out, arena_); }
  Status infer(const float* in, float* out, Arena& arena) const noexcept {
    if (!ready()) return Status::not_ready;
    if constexpr (is_dispatched)
      Choice::kernels->forward(weights_, Prepared::prepared_weights, in, out, arena.data);
    else
      Arch::template forward<Backend>(weights_, in, out, arena.data, Prepared::prepared_weights);
    return Status::ok;
  }
  Status infer(const InputArray& in, OutputArray& out) noexcept { return infer(in.data(), out.data()); }
  // Classifies lockstep_windows windows at once (`in`: back to back, `out`: their outputs),
  // with the same results as infer() on each: the float LSTM runs them as one N-row product
  // per step (model/sequential.hpp, forward_lockstep). What infer_batch() runs.
  Status infer_lockstep(const float* in, float* out, LockstepArena& arena) const noexcept {
    static_assert(offsetof(LockstepArena, scratch) == lockstep_windows * sizeof(Arena),
                  "mubi: the lockstep scratch follows the window arenas");
    if (!ready()) return Status::not_ready;
    unsigned char* arenas = arena.windows[0].data;
    if constexpr (is_dispatched)
      Choice::kernels->forward_lockstep(weights_, Prepared::prepared_weights, in, out, arenas);
    else
      Arch::template forward_lockstep<Backend, lockstep_windows>(weights_, in, out, arenas, Prepared::prepared_weights);
    return Status::ok;
  }

  // int8 models: quantize one raw sample (In::ch values) as the first layer does, so a
  // device can keep its window in int8 (streaming), and classify such a window.
  Status quantize_sample(const float* sample, std::int8_t* q) const noexcept {
    static_assert(is_int8, "mubi: quantize_sample() is for int8 models (Int8<Arch>)");
    if (!ready()) return Status::not_ready;
    if constexpr (is_dispatched)
      Choice::kernels->quantize_sample(weights_, sample, q);
    else
      Arch::template quantize_sample<Backend>(weights_, sample, q);
    return Status::ok;
  }
  Status infer_quantized(const std::int8_t* in, float* out, Arena& arena) const noexcept {
    static_assert(is_int8, "mubi: infer_quantized() is for int8 models (Int8<Arch>)");
    if (!ready()) return Status::not_ready;
    if constexpr (is_dispatched)
      Choice::kernels->forward_quantized(weights_, Prepared::prepared_weights, in, out, arena.data);
    else
      Arch::template forward<Backend>(weights_, in, out, arena.data, Prepared::prepared_weights);
    return Status::ok;
  }
  Status infer_quantized(const std::int8_t* in, float* out) noexcept { return infer_quantized(in, out, arena_); }
  // Layer I of the network alone, in the model's arena, as infer() runs it (a profiler's
  // hook: run I = 0 .. layer_count - 1 in order on one window; the Cortex-M4F firmware's
  // per-layer instruction report). `in` is the window for I = 0, `out` the logits for the last.
  // A dispatched model runs its layers on the baseline kernels here.
  template <std::size_t I, class InT>
  Status infer_layer(const InT* in, float* out) noexcept {
    if (!ready()) return Status::not_ready;
    if constexpr (is_dispatched)
      Arch::template forward_layer<StaticBackend, I>(weights_, in, out, arena_.data);
    else
      Arch::template forward_layer<Backend, I>(weights_, in, out, arena_.data, Prepared::prepared_weights);
    return Status::ok;
  }

#ifdef MUBI_HAS_DISPATCH
  // Dispatched models: the instruction set whose kernels run (the best this CPU has among
  // those registered, chosen at load()/bind()), and a choice of another (tests, benchmarks):
  // isa_unavailable, and no change, where this CPU lacks it or the build has no kernels for it.
  Isa isa() const noexcept {
    static_assert(is_dispatched, "mubi: isa() is for Model<Arch, backend::Dispatched>");
    return Choice::kernels ? Choice::kernels->isa : dispatch::best_kernels<Arch>()->isa;
  }
  Status select_isa(Isa isa) noexcept {
    static_assert(is_dispatched, "mubi: select_isa() is for Model<Arch, backend::Dispatched>");
    const dispatch::Kernels<Arch>* k = dispatch::kernels_for<Arch>(isa);
    if (k == nullptr) return Status::isa_unavailable;
    Choice::kernels = k;
    Choice::selected = true;
    if (ready()) k->prepare(weights_, Prepared::prepared_weights);
    return Status::ok;
  }
#endif

 private:
#ifdef MUBI_HAS_DISPATCH
  using StaticBackend = std::conditional_t<is_dispatched, ::mubi::backend::Dispatched::baseline, Backend>;
#else
  using StaticBackend = Backend;
#endif
  // After load() or bind(): the kernels (dispatch), then the prepared weights.
  void choose_kernels() noexcept {
#ifdef MUBI_HAS_DISPATCH
    if constexpr (is_dispatched) {
      if (!Choice::selected) Choice::kernels = dispatch::best_kernels<Arch>();
      Choice::kernels->prepare(weights_, Prepared::prepared_weights);
    } else
#endif
    {
      Arch::template prepare<Backend>(weights_, Prepared::prepared_weights);
    }
  }

  struct NoStorage {};
  std::conditional_t<OwnsWeights, detail::ByteBuffer<Arch::weight_bytes>, NoStorage> storage_{};
  Arena arena_{};
  const unsigned char* weights_ = nullptr;
};

// Backend: backend::Scalar, an ISA's (backend::Sse2, Avx2, Avx2Vnni, Avx512), Xsimd<> (NEON),
// Eigen, Dispatched (runtime dispatch), or the build's default (backend/default.hpp).
template <class Arch, class Backend = backend::Default>
using Model = BasicModel<Arch, true, Backend>;
template <class Arch, class Backend = backend::Default>
using BoundModel = BasicModel<Arch, false, Backend>;

}  // namespace mubi
