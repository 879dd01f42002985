// The README's C++ usage, compiled and run as a test so the README stays true.
//   mubi_usage MODEL.mubi MODEL.int8.mubi   (a folded UCI-HAR blob and its int8 quantization)
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

// int8: the same network, quantized by python/mubi/quantize.py; the same interface.
using Net8 = mubi::Int8<Trained>;
static_assert(Net8::signature == Net::signature && Net8::blob_bytes == 12000 && Net8::arena_bytes == 1920);
static mubi::Model<Net8> model8;

// Streaming: one sample (9 values) at a time; a label every 64 samples once 128 are in.
static mubi::Stream<mubi::Model<Net8>> stream(model8);

int main(int argc, char** argv) {
  if (argc != 3) return 2;
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
  if (s != mubi::Status::ok || logits != again) return 1;

  std::ifstream f8(argv[2], std::ios::binary);
  const std::vector<unsigned char> bytes8{std::istreambuf_iterator<char>(f8), std::istreambuf_iterator<char>()};
  if (model8.load(bytes8.data(), bytes8.size()) != mubi::Status::ok) return 1;
  model8.infer(window, logits);  // float in, float logits out; integer arithmetic inside

  std::size_t labels = 0;
  for (std::size_t t = 0; t < 256; ++t) {
    const float sample[9] = {0.1f, 0.0f, -0.1f, 0.0f, 0.0f, 0.0f, 1.0f, 0.0f, 0.0f};
    bool classified = false;
    stream.push(sample, classified);
    if (classified) {
      std::printf("sample %zu: label %zu\n", t, stream.label());
      ++labels;
    }
  }
  return labels == 3 ? 0 : 1;  // after samples 127, 191 and 255
}
