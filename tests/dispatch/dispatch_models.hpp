// The models the dispatch tests register for every instruction set (mubi_dispatch() in
// tests/CMakeLists.txt): the 8 dataset configurations, float (BatchNorm folded) and int8.
#pragma once

#include <mubi/mubi.hpp>
#include <mubi/dispatch/dispatch.hpp>

namespace dispatch_test {
using namespace mubi::configs;
template <class A>
using F = mubi::Folded<A>;
template <class A>
using Q = mubi::Int8<A>;
using Registered = mubi::dispatch::Models<F<UciHar<>>, Q<UciHar<>>, F<MotionSense<>>, Q<MotionSense<>>, F<Wisdm<>>,
                                          Q<Wisdm<>>, F<Pamap2<>>, Q<Pamap2<>>, F<Opportunity<>>, Q<Opportunity<>>,
                                          F<UniMib<>>, Q<UniMib<>>, F<Skoda<>>, Q<Skoda<>>, F<Daphnet<>>, Q<Daphnet<>>>;
}  // namespace dispatch_test
