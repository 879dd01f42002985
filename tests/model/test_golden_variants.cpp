// Parity with PyTorch on the golden vectors (see golden_case.hpp): ablations A1-A4 and width / kernel / aggregation variants.
#include "golden_case.hpp"

using namespace mubi;
using golden::run_case;

TEST_CASE("golden: ablations A1-A4") {
  run_case<MuBiConvLSTM_A1<128, 9, 6>>("uci_har_a1");
  run_case<MuBiConvLSTM_A2<128, 9, 6>>("uci_har_a2");
  run_case<MuBiConvLSTM_A3<128, 9, 6>>("uci_har_a3");
  run_case<MuBiConvLSTM_A4<128, 9, 6>>("uci_har_a4");
}

TEST_CASE("golden: filters, hidden, kernel and aggregation variants") {
  run_case<configs::UciHar<8, 16>>("uci_har_f8_h16");
  run_case<configs::UciHar<24, 32>>("uci_har_f24_h32");
  run_case<MuBiConvLSTM<128, 9, 6, 16, 24, 5, FinalStates>>("uci_har_final_states");
  run_case<MuBiConvLSTM<128, 9, 6, 16, 24, 3>>("uci_har_k3");
}
