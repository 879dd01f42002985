// The model types compiled into the `mubi` tool. A blob runs when its signature names one of
// these (folded, or the unfolded network it came from, folded on load). To run another
// architecture, add its type here.
#pragma once

#include <mubi/mubi.hpp>

namespace cli {

template <class... Archs>
struct TypeList {};

template <std::size_t T, std::size_t C, std::size_t N>
using Variants = TypeList<mubi::MuBiConvLSTM<T, C, N>, mubi::MuBiConvLSTM_A1<T, C, N>, mubi::MuBiConvLSTM_A2<T, C, N>,
                          mubi::MuBiConvLSTM_A3<T, C, N>, mubi::MuBiConvLSTM_A4<T, C, N>>;

// Each entry is a trained-network type; the tool deploys Folded<...> of it.
using Compiled = TypeList<
    // the paper's 8 dataset configurations
    mubi::configs::UciHar<>, mubi::configs::MotionSense<>, mubi::configs::Wisdm<>, mubi::configs::Pamap2<>,
    mubi::configs::Opportunity<>, mubi::configs::UniMib<>, mubi::configs::Skoda<>, mubi::configs::Daphnet<>,
    // UCI-HAR ablations and width / aggregation variants
    mubi::MuBiConvLSTM_A1<128, 9, 6>, mubi::MuBiConvLSTM_A2<128, 9, 6>, mubi::MuBiConvLSTM_A3<128, 9, 6>,
    mubi::MuBiConvLSTM_A4<128, 9, 6>, mubi::configs::UciHar<8, 16>, mubi::configs::UciHar<24, 32>,
    mubi::MuBiConvLSTM<128, 9, 6, 16, 24, 5, mubi::FinalStates>, mubi::MuBiConvLSTM<128, 9, 6, 16, 24, 3>,
    // MotionSense ablations and the 24/32 width (issue 23's table)
    mubi::MuBiConvLSTM_A1<128, 6, 6>, mubi::MuBiConvLSTM_A2<128, 6, 6>, mubi::MuBiConvLSTM_A3<128, 6, 6>,
    mubi::MuBiConvLSTM_A4<128, 6, 6>, mubi::configs::MotionSense<24, 32>,
    // the shipped WISDM-2019 watch stand-in: 3 accelerometer channels, 5 activities
    mubi::MuBiConvLSTM<128, 3, 5>>;

// Models that take raw samples (format version 2): a front end and a trained network; the
// tool deploys WithFrontEnd<FrontEnd, Folded<...>> (or Int8<...>) of them.
template <class FrontEnd, class Arch>
struct Raw {
  using frontend = FrontEnd;
  using network = Arch;
};
using CompiledRaw = TypeList<Raw<mubi::frontends::UciHar, mubi::configs::UciHar<>>,
                             Raw<mubi::frontends::Daphnet, mubi::configs::Daphnet<>>>;

template <class Arch>
struct Tag {
  using type = Arch;
};

// Calls fn(Tag<T>{}) for the first T of the list for which matches(Tag<T>{}) holds.
template <class Match, class Fn, class... Ts>
bool find_type(Match&& matches, Fn&& fn, TypeList<Ts...>) {
  bool found = false;
  const auto try_one = [&](auto tag) {
    if (!found && matches(tag)) {
      found = true;
      fn(tag);
    }
  };
  (try_one(Tag<Ts>{}), ...);
  return found;
}

// Calls fn(Tag<Arch>{}) for the compiled type whose folded or unfolded signature is `sig`.
template <class Fn>
bool dispatch(std::uint64_t sig, Fn&& fn) {
  const auto matches = [sig](auto tag) {
    using A = typename decltype(tag)::type;
    return A::signature == sig || mubi::Folded<A>::signature == sig;
  };
  return find_type(matches, fn, Compiled{});
}

// Calls fn(Tag<Raw<FE, Arch>>{}) for the compiled raw model whose signature is `sig`.
template <class Fn>
bool dispatch_raw(std::uint64_t sig, Fn&& fn) {
  const auto matches = [sig](auto tag) {
    using R = typename decltype(tag)::type;
    return mubi::WithFrontEnd<typename R::frontend, mubi::Folded<typename R::network>>::signature == sig;
  };
  return find_type(matches, fn, CompiledRaw{});
}

}  // namespace cli
