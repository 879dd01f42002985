// The README's C++ usage, compiled and run as a test so the README stays true.
//   mubi_usage MODEL.mubi   (a folded UCI-HAR blob)
#include <array>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include <mubi/mubi.hpp>

using Trained = mubi::configs::UciHar<>;
using Net = mubi::Folded<Trained>;

static_assert(Trained::params == 10454 && Trained::macs == 420128);  // paper Table II
static_assert(Net::macs_executed == 301088);  // the backward LSTM needs one step under `last`

// A composition of your own: shapes propagate from the hyperparameters.
using My = mubi::Sequential<mubi::Input<64, 6>, mubi::Normalize,                                 //
                            mubi::Conv1D<8, 3>, mubi::BatchNorm, mubi::ReLU, mubi::MaxPool1D<2>,  //
                            mubi::LSTM<16, mubi::Mean>, mubi::Dense<4>, mubi::Softmax>;
static_assert(My::Out::ch == 4 && My::layer<5>::In::len == 32);

static mubi::Model<Net> model;
static mubi::BoundModel<Net> bound;
alignas(16) static unsigned char blob[Net::blob_bytes];  // stands in for a const array in flash

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  std::ifstream f(argv[1], std::ios::binary);
  const std::vector<unsigned char> bytes{std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};

  mubi::Status s = model.load(bytes.data(), bytes.size());
  if (s != mubi::Status::ok) std::puts(mubi::to_string(s));

  if (bytes.size() != sizeof blob) return 1;
  std::memcpy(blob, bytes.data(), sizeof blob);
  s = bound.bind(blob, sizeof blob);
  if (s != mubi::Status::ok) std::puts(mubi::to_string(s));

  std::array<float, Net::input_size> window{};
  std::array<float, Net::output_size> logits{}, again{};
  bound.infer(window, logits);
  model.infer(window, again);
  const std::size_t label = mubi::argmax(logits.data(), logits.size());
  std::printf("label %zu\n", label);
  return s == mubi::Status::ok && logits == again ? 0 : 1;
}
