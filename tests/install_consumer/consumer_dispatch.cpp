// mubi_dispatch() from a consumer's CMake: every ISA this CPU runs has its kernels registered,
// and Model<Net> (DEFAULT) is the dispatched model.
#include <cstdio>
#include <type_traits>

#include "consumer_models.hpp"

int main() {
  static_assert(std::is_same_v<mubi::Model<consumer::Net>::backend, mubi::backend::Dispatched>);
  int missing = 0;
  for (int i = 1; i < mubi::kIsaCount; ++i) {
    const auto isa = static_cast<mubi::Isa>(i);
    if (mubi::dispatch::cpu_runs(isa) && mubi::dispatch::Registry<consumer::Net>::slot[i] == nullptr) {
      std::printf("no %s kernels registered\n", mubi::to_string(isa));
      ++missing;
    }
  }
  return missing;
}
