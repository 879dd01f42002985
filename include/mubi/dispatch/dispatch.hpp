// mubi: runtime dispatch. A build registers, per model architecture, the forward pass compiled
// for each instruction set in a translation unit of its own (cmake/MubiDispatch.cmake makes
// them; dispatch/register.hpp is what each contains); Model<Arch, backend::Dispatched> picks
// the best registered one that this CPU runs at load()/bind() and then calls it through one
// function pointer per window.
//
// Why separate translation units: a kernel compiled with -mavx2 may only run where the CPU
// has AVX2, so the AVX2 code must never stand in for the baseline's. Every kernel the
// per-ISA units emit is a template on their backend type (Avx2, Avx512...: CRTP down to the
// scalar tails), so the linker cannot merge one ISA's copy with another's; the shared
// helpers they call are small and inlined (the units are built with -O3,
// cmake/MubiDispatch.cmake). The tests dispatch.isa_objects_are_self_contained check the
// object files: every function they define is typed by their backend.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "../backend/dispatched.hpp"
#include "../config.hpp"
#include "../core/descriptor.hpp"
#include "isa.hpp"

namespace mubi::dispatch {

// One architecture's entry points for one backend. `prepared` is the model's storage of
// Arch::prepared_bytes<backend::Dispatched> bytes (64-byte aligned), which prepare() fills
// from the weights once and the forward passes read.
template <class Arch>
struct Kernels {
  Isa isa;
  const char* backend;  // the backend's name ("avx2", ...)
  void (*prepare)(const unsigned char* weights, unsigned char* prepared) noexcept;
  void (*forward)(const unsigned char* weights, const unsigned char* prepared, const float* in, float* out,
                  unsigned char* arena) noexcept;
  // kLockstepWindows windows at once (Arch::forward_lockstep; arenas: a LockstepArena).
  void (*forward_lockstep)(const unsigned char* weights, const unsigned char* prepared, const float* in, float* out,
                           unsigned char* arenas) noexcept;
  // int8 models only (null otherwise): a window already quantized, and one raw sample.
  void (*forward_quantized)(const unsigned char* weights, const unsigned char* prepared, const std::int8_t* in,
                            float* out, unsigned char* arena) noexcept;
  void (*quantize_sample)(const unsigned char* weights, const float* sample, std::int8_t* q) noexcept;
};

template <class B, class Arch>
struct Entry {
  using Layout = backend::Dispatched;
  static void prepare(const unsigned char* w, unsigned char* prepared) noexcept {
    Arch::template prepare<B, Layout>(w, prepared);
  }
  static void forward(const unsigned char* w, const unsigned char* prepared, const float* in, float* out,
                      unsigned char* arena) noexcept {
    Arch::template forward<B, Layout>(w, in, out, arena, prepared);
  }
  static void forward_lockstep(const unsigned char* w, const unsigned char* prepared, const float* in, float* out,
                               unsigned char* arenas) noexcept {
    Arch::template forward_lockstep<B, kLockstepWindows, Layout>(w, in, out, arenas, prepared);
  }
  static void forward_quantized(const unsigned char* w, const unsigned char* prepared, const std::int8_t* in,
                                float* out, unsigned char* arena) noexcept {
    Arch::template forward<B, Layout>(w, in, out, arena, prepared);
  }
  static void quantize_sample(const unsigned char* w, const float* sample, std::int8_t* q) noexcept {
    Arch::template quantize_sample<B>(w, sample, q);
  }
  static constexpr auto quantized_entry() noexcept {
    if constexpr (Arch::dtype == DType::i8) return &forward_quantized;
    else return decltype(&forward_quantized){nullptr};
  }
  static constexpr auto quantize_entry() noexcept {
    if constexpr (Arch::dtype == DType::i8) return &quantize_sample;
    else return decltype(&quantize_sample){nullptr};
  }
  static constexpr Kernels<Arch> table{B::isa, B::name, &prepare, &forward, &forward_lockstep, quantized_entry(),
                                        quantize_entry()};
};

// What the per-ISA translation units registered for Arch: zero (constant) initialized, so
// it is valid before any dynamic initialization; each slot is written once, during static
// initialization (a model loaded before then runs the baseline).
template <class Arch>
struct Registry {
  inline static const Kernels<Arch>* slot[kIsaCount] = {};
};

template <class... Archs>
struct Models {};

// Called by each per-ISA translation unit (register.hpp) for its backend B.
template <class B, class... Archs>
bool register_models(Models<Archs...>) noexcept {
  ((Registry<Archs>::slot[static_cast<int>(B::isa)] = &Entry<B, Archs>::table), ...);
  return true;
}

// The kernels for `isa` if registered (or the baseline, compiled here) and run by this CPU.
template <class Arch>
const Kernels<Arch>* kernels_for(Isa isa) noexcept {
  using Baseline = backend::Dispatched::baseline;
  if (!cpu_runs(isa)) return nullptr;
  if (const Kernels<Arch>* k = Registry<Arch>::slot[static_cast<int>(isa)]) return k;
  return isa == Baseline::isa ? &Entry<Baseline, Arch>::table : nullptr;
}

// The best kernels registered for Arch that this CPU runs.
template <class Arch>
const Kernels<Arch>* best_kernels() noexcept {
  for (int i = kIsaCount - 1; i > 0; --i)
    if (const Kernels<Arch>* k = kernels_for<Arch>(static_cast<Isa>(i))) return k;
  return &Entry<backend::Dispatched::baseline, Arch>::table;
}

}  // namespace mubi::dispatch
