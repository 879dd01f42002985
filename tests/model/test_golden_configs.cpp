// Parity with PyTorch on the golden vectors (see golden_case.hpp): the 8 dataset configurations.
#include "golden_case.hpp"

using namespace mubi;
using golden::run_case;

TEST_CASE("golden: the 8 dataset configurations") {
  run_case<configs::UciHar<>>("uci_har");
  run_case<configs::MotionSense<>>("motionsense");
  run_case<configs::Wisdm<>>("wisdm");
  run_case<configs::Pamap2<>>("pamap2");
  run_case<configs::Opportunity<>>("opportunity");
  run_case<configs::UniMib<>>("unimib");
  run_case<configs::Skoda<>>("skoda");
  run_case<configs::Daphnet<>>("daphnet");
}

