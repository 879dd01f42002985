// One translation unit that instantiates the UCI-HAR model (float; int8 joins when the int8
// path exists) with the build's default backend: tools/bench.sh times its compilation.
#include <mubi/mubi.hpp>

using Net = mubi::Folded<mubi::configs::UciHar<>>;
static mubi::Model<Net> model;

int classify(const unsigned char* blob, std::size_t size, const float* window) {
  if (model.load(blob, size) != mubi::Status::ok) return -1;
  float logits[Net::output_size];
  model.infer(window, logits);
  return static_cast<int>(mubi::argmax(logits, Net::output_size));
}
