// The array overload of infer() takes exactly the model's window: a 128x6 window does not
// fit a 128x9 model.
#include <array>
#include <mubi/mubi.hpp>
using Net = mubi::Folded<mubi::configs::UciHar<>>;
int main() {
  static mubi::Model<Net> m;
#ifdef MUBI_CF_CONTROL
  static std::array<float, 128 * 9> window{};
#else
  static std::array<float, 128 * 6> window{};
#endif
  static std::array<float, 6> logits{};
  return static_cast<int>(m.infer(window, logits));
}
