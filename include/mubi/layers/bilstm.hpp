// mubi: bidirectional LSTM: forward direction, then the backward direction over the reversed
// window, outputs concatenated forward first (PyTorch's bidirectional=True).
#pragma once

#include "lstm.hpp"

namespace mubi {

template <std::size_t Hidden, class Aggregation = Last>
struct BiLSTM {
  template <class In, class T = float>
  using layer = LSTMLayer<In, Hidden, 2, Aggregation, T>;
};

}  // namespace mubi
