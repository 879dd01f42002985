// One translation unit that instantiates the UCI-HAR model, float32 and int8, with the build's
// default backend: tools/bench.sh times its compilation.
#include <mubi/mubi.hpp>

using Net = mubi::Folded<mubi::configs::UciHar<>>;
using Net8 = mubi::Int8<mubi::configs::UciHar<>>;
static mubi::Model<Net> model;
static mubi::Model<Net8> model8;

int classify(const unsigned char* blob, std::size_t size, const float* window) {
  if (model.load(blob, size) != mubi::Status::ok) return -1;
  float logits[Net::output_size];
  model.infer(window, logits);
  return static_cast<int>(mubi::argmax(logits, Net::output_size));
}

int classify_int8(const unsigned char* blob, std::size_t size, const float* window) {
  if (model8.load(blob, size) != mubi::Status::ok) return -1;
  float logits[Net8::output_size];
  model8.infer(window, logits);
  return static_cast<int>(mubi::argmax(logits, Net8::output_size));
}
