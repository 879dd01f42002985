// mubi: the paper's network (μBi-ConvLSTM), its 8 dataset configurations (paper Table II)
// and ablations A1-A4, as model types. These are the networks as trained in PyTorch, with
// BatchNorm; deploy Folded<...> of them (what python/mubi/export.py writes by default).
#pragma once

#include <cstddef>

#include "../layers/aggregate.hpp"
#include "../layers/batchnorm.hpp"
#include "../layers/bilstm.hpp"
#include "../layers/conv1d.hpp"
#include "../layers/dense.hpp"
#include "../layers/lstm.hpp"
#include "../layers/maxpool1d.hpp"
#include "../layers/normalize.hpp"
#include "../layers/relu.hpp"
#include "sequential.hpp"

namespace mubi {

// A0, the paper's network: normalize, two conv blocks (Conv1D, BatchNorm, ReLU,
// MaxPool(2)), a BiLSTM, a linear head (dropout is the identity at inference).
template <std::size_t T, std::size_t C, std::size_t Classes, std::size_t Filters = 16, std::size_t Hidden = 24,
          std::size_t Kernel = 5, class Aggregation = Last>
using MuBiConvLSTM = Sequential<Input<T, C>, Normalize,                                           //
                                Conv1D<Filters, Kernel>, BatchNorm, ReLU, MaxPool1D<2>,            //
                                Conv1D<Filters, Kernel>, BatchNorm, ReLU, MaxPool1D<2>,            //
                                BiLSTM<Hidden, Aggregation>, Dense<Classes>>;

// A1: no pooling (the LSTM runs over all T steps).
template <std::size_t T, std::size_t C, std::size_t Classes, std::size_t Filters = 16, std::size_t Hidden = 24,
          std::size_t Kernel = 5>
using MuBiConvLSTM_A1 = Sequential<Input<T, C>, Normalize,                            //
                                   Conv1D<Filters, Kernel>, BatchNorm, ReLU,            //
                                   Conv1D<Filters, Kernel>, BatchNorm, ReLU,            //
                                   BiLSTM<Hidden, Last>, Dense<Classes>>;

// A2: unidirectional LSTM.
template <std::size_t T, std::size_t C, std::size_t Classes, std::size_t Filters = 16, std::size_t Hidden = 24,
          std::size_t Kernel = 5>
using MuBiConvLSTM_A2 = Sequential<Input<T, C>, Normalize,                                 //
                                   Conv1D<Filters, Kernel>, BatchNorm, ReLU, MaxPool1D<2>,  //
                                   Conv1D<Filters, Kernel>, BatchNorm, ReLU, MaxPool1D<2>,  //
                                   LSTM<Hidden, Last>, Dense<Classes>>;

// A3: a single conv block.
template <std::size_t T, std::size_t C, std::size_t Classes, std::size_t Filters = 16, std::size_t Hidden = 24,
          std::size_t Kernel = 5>
using MuBiConvLSTM_A3 = Sequential<Input<T, C>, Normalize,                                 //
                                   Conv1D<Filters, Kernel>, BatchNorm, ReLU, MaxPool1D<2>,  //
                                   BiLSTM<Hidden, Last>, Dense<Classes>>;

// A4: mean over time instead of the last step.
template <std::size_t T, std::size_t C, std::size_t Classes, std::size_t Filters = 16, std::size_t Hidden = 24,
          std::size_t Kernel = 5>
using MuBiConvLSTM_A4 = MuBiConvLSTM<T, C, Classes, Filters, Hidden, Kernel, Mean>;

// The 8 dataset configurations of the paper (window T, channels C, classes).
namespace configs {
template <std::size_t F = 16, std::size_t H = 24> using UciHar = MuBiConvLSTM<128, 9, 6, F, H>;
template <std::size_t F = 16, std::size_t H = 24> using MotionSense = MuBiConvLSTM<128, 6, 6, F, H>;
template <std::size_t F = 16, std::size_t H = 24> using Wisdm = MuBiConvLSTM<128, 3, 6, F, H>;
template <std::size_t F = 16, std::size_t H = 24> using Pamap2 = MuBiConvLSTM<128, 19, 12, F, H>;
template <std::size_t F = 16, std::size_t H = 24> using Opportunity = MuBiConvLSTM<128, 79, 5, F, H>;
template <std::size_t F = 16, std::size_t H = 24> using UniMib = MuBiConvLSTM<128, 3, 9, F, H>;
template <std::size_t F = 16, std::size_t H = 24> using Skoda = MuBiConvLSTM<98, 30, 11, F, H>;
template <std::size_t F = 16, std::size_t H = 24> using Daphnet = MuBiConvLSTM<64, 9, 2, F, H>;
}  // namespace configs

}  // namespace mubi
