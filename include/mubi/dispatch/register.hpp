// mubi: the body of one per-ISA translation unit of runtime dispatch (cmake/MubiDispatch.cmake
// generates it): compiled with that ISA's flags, it instantiates the forward passes of the
// models the build lists for that ISA's backend and registers them at static
// initialization. MUBI_DISPATCH_MODELS names a dispatch::Models<Arch...> type, and
// MUBI_DISPATCH_BACKEND the unit's backend (named by the generator, not guessed from the
// flags: under -march=native every unit would otherwise pick the same one).
//   #include "my_models.hpp"            // defines MyModels = mubi::dispatch::Models<...>
//   #include <mubi/backend/x86/avx2.hpp>
//   #define MUBI_DISPATCH_MODELS MyModels
//   #define MUBI_DISPATCH_BACKEND ::mubi::backend::Avx2
//   #include <mubi/dispatch/register.hpp>
#pragma once

#include "../model/model.hpp"
#include "dispatch.hpp"

#if !defined(MUBI_DISPATCH_MODELS)
#error "mubi: define MUBI_DISPATCH_MODELS (a mubi::dispatch::Models<Arch...> type) before dispatch/register.hpp"
#endif

#if !defined(MUBI_DISPATCH_BACKEND)
#error "mubi: define MUBI_DISPATCH_BACKEND (the unit's backend, e.g. ::mubi::backend::Avx2) and include its header"
#endif

namespace {
// Internal linkage: each unit's registration is its own.
const bool mubi_dispatch_registered =
    ::mubi::dispatch::register_models<MUBI_DISPATCH_BACKEND>(MUBI_DISPATCH_MODELS{});
}  // namespace
