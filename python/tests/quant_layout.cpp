// Prints the layouts of the int8 parameter views (include/mubi/core/quant_params.hpp) for
// the UCI-HAR sizes and two others: "View n field offset ... size N" per line, which
// python/tests/test_quant_params.py compares with python/mubi/quant_params.py's dataclasses.
#include <cstddef>
#include <cstdio>

#include <mubi/core/quant_params.hpp>

namespace {

template <std::size_t C>
void input(std::size_t n) {
  using V = mubi::q8::InputQuant<C>;
  std::printf("InputQuant %zu scale %zu offset %zu zero_point %zu size %zu\n", n, V::scale_at, V::offset_at,
              V::zero_point_at, V::size);
}
template <std::size_t F>
void conv(std::size_t n) {
  using V = mubi::q8::ConvQuant<F>;
  std::printf("ConvQuant %zu bias %zu m0 %zu shift %zu zp_in %zu zp_out %zu lo %zu hi %zu size %zu\n", n, V::bias_at,
              V::m0_at, V::shift_at, V::zp_in_at, V::zp_out_at, V::lo_at, V::hi_at, V::size);
}
template <std::size_t H>
void lstm(std::size_t n) {
  using V = mubi::q8::LstmQuant<H>;
  std::printf("LstmQuant %zu bias %zu m0 %zu shift %zu cell_power %zu out_m0 %zu out_shift %zu zp_h %zu size %zu\n", n,
              V::bias_at, V::m0_at, V::shift_at, V::cell_power_at, V::out_m0_at, V::out_shift_at, V::zp_h_at, V::size);
}

}  // namespace

int main() {
  input<9>(9);
  input<3>(3);
  input<79>(79);
  conv<16>(16);
  conv<8>(8);
  conv<24>(24);
  lstm<24>(24);
  lstm<16>(16);
  lstm<32>(32);
  return 0;
}
