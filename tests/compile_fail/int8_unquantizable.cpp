// The int8 form needs each ReLU / MaxPool1D right after a Conv1D (they run inside its int8
// block); a MaxPool1D straight after Normalize has no int8 form and is refused by name.
#include <mubi/mubi.hpp>
using namespace mubi;
#ifdef MUBI_CF_CONTROL
using Net = Sequential<Input<32, 3>, Normalize, Conv1D<4, 3>, ReLU, MaxPool1D<2>, LSTM<8>, Dense<2>>;
#else
using Net = Sequential<Input<32, 3>, Normalize, MaxPool1D<2>, Conv1D<4, 3>, ReLU, LSTM<8>, Dense<2>>;
#endif
static_assert(Int8<Net>::blob_bytes > 0);
int main() { return 0; }
