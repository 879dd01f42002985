// The models bench_models runs through runtime dispatch (mubi_dispatch(), bench/CMakeLists.txt).
#pragma once

#include <mubi/mubi.hpp>
#if defined(MUBI_BENCH_DISPATCH)
#include <mubi/dispatch/dispatch.hpp>
namespace bench {
using Dispatched = mubi::dispatch::Models<mubi::Folded<mubi::configs::UciHar<>>, mubi::Int8<mubi::configs::UciHar<>>>;
}  // namespace bench
#endif
