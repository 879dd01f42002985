// Dense needs a vector: an LSTM must aggregate the sequence first.
#include <mubi/mubi.hpp>
#ifdef MUBI_CF_CONTROL
using Net = mubi::Sequential<mubi::Input<8, 2>, mubi::BiLSTM<4, mubi::Last>, mubi::Dense<3>>;
#else
using Net = mubi::Sequential<mubi::Input<8, 2>, mubi::BiLSTM<4, mubi::Sequence>, mubi::Dense<3>>;
#endif
static_assert(Net::params > 0);
int main() { return 0; }
