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
    // the shipped WISDM-2019 watch stand-in: 3 accelerometer channels, 5 activities
    mubi::MuBiConvLSTM<128, 3, 5>>;

template <class Arch>
struct Tag {
  using type = Arch;
};

// Calls fn(Tag<Arch>{}) for the compiled type whose folded or unfolded signature is `sig`.
template <class Fn, class... Archs>
bool dispatch(std::uint64_t sig, Fn&& fn, TypeList<Archs...>) {
  bool found = false;
  const auto try_one = [&](auto tag) {
    using A = typename decltype(tag)::type;
    if (!found && (A::signature == sig || mubi::Folded<A>::signature == sig)) {
      found = true;
      fn(tag);
    }
  };
  (try_one(Tag<Archs>{}), ...);
  return found;
}

template <class Fn>
bool dispatch(std::uint64_t sig, Fn&& fn) {
  return dispatch(sig, fn, Compiled{});
}

}  // namespace cli
