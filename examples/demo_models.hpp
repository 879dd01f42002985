// The demo's model types, in a header of their own so that mubi_dispatch()
// (cmake/MubiDispatch.cmake) compiles them once per instruction set: the demo, built without
// -march, runs the best kernels the CPU has.
#pragma once

#include <mubi/mubi.hpp>

namespace demo {
using Trained = mubi::configs::UciHar<>;  // 128 x 9 window -> 6 activities
using Net = mubi::Folded<Trained>;
using Net8 = mubi::Int8<Trained>;
// The same networks behind the UCI-HAR front end (raw acc in g, gyro in rad/s, 50 Hz).
using RawNet = mubi::WithFrontEnd<mubi::frontends::UciHar, Net>;
using RawNet8 = mubi::WithFrontEnd<mubi::frontends::UciHar, Net8>;
}  // namespace demo

#if defined(__SSE2__) && __has_include(<xsimd/xsimd.hpp>)
#include <mubi/dispatch/dispatch.hpp>
namespace demo {
using Dispatched = mubi::dispatch::Models<Net, Net8, RawNet, RawNet8>;
}  // namespace demo
#endif
