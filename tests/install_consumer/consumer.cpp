#include <mubi/mubi.hpp>

int main() {
  using Net = mubi::Folded<mubi::configs::UciHar<>>;
  static mubi::Model<Net> model;
  static_assert(Net::params > 0);
  return model.ready() ? 1 : 0;
}
