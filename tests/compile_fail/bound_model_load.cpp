// A BoundModel keeps weights in the blob (flash); it has nothing to load() into.
#include <mubi/mubi.hpp>
using Net = mubi::Folded<mubi::configs::Daphnet<>>;
int main() {
  static const unsigned char blob[16] = {};
#ifdef MUBI_CF_CONTROL
  static mubi::Model<Net> m;
#else
  static mubi::BoundModel<Net> m;
#endif
  return static_cast<int>(m.load(blob, sizeof blob));
}
