// Three MaxPool(2) layers cannot shrink a 6-step window: 6 -> 3 -> 1 -> (nothing).
#include <mubi/mubi.hpp>
using namespace mubi;
#ifdef MUBI_CF_CONTROL
using Net = Sequential<Input<6, 2>, MaxPool1D<2>, MaxPool1D<2>>;
#else
using Net = Sequential<Input<6, 2>, MaxPool1D<2>, MaxPool1D<2>, MaxPool1D<2>>;
#endif
static_assert(Net::Out::len >= 1);
int main() { return 0; }
