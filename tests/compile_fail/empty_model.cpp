// A model needs at least one layer.
#include <mubi/mubi.hpp>
#ifdef MUBI_CF_CONTROL
using Net = mubi::Sequential<mubi::Input<8, 2>, mubi::ReLU>;
#else
using Net = mubi::Sequential<mubi::Input<8, 2>>;
#endif
static_assert(Net::params == 0);
int main() { return 0; }
