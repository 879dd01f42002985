// Conv1D with an even kernel has no symmetric 'same' padding.
#include <mubi/mubi.hpp>
#ifdef MUBI_CF_CONTROL
using Net = mubi::Sequential<mubi::Input<8, 2>, mubi::Conv1D<4, 3>>;
#else
using Net = mubi::Sequential<mubi::Input<8, 2>, mubi::Conv1D<4, 4>>;
#endif
static_assert(Net::params > 0);
int main() { return 0; }
