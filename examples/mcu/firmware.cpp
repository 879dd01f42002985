// mubi on a Cortex-M4F (QEMU mps2-an386): a shipped model, embedded in flash as a const array
// generated at build time from the .mubi file and bound zero-copy, classifies a real sensor
// stream sample by sample through the streaming runner (one label per hop of half a window).
// The samples arrive over semihosting (standing in for the IMU driver); every classification
// is compared with the host's scores for the same window (`mubi stream`). Exit code: 0 all
// equal, 1 any difference, 2 setup failed.
// What an image runs comes from its generated MUBI_FW_CONFIG header (examples/mcu/CMakeLists.txt,
// mubi_firmware): the trained network's type, int8 (MUBI_FW_INT8=1) or float32, an optional
// front end (MUBI_FW_RAW=1: the phone's raw samples in), the stream, the expected scores and
// the class names. The product image is the int8 UCI-HAR model in the 24 KB flash / 4 KB RAM
// budget (budget.ld); models.cmake adds the other shipped models. No heap: nothing here or in
// mubi allocates, and the link map has no malloc (CTest checks it).
#include <cstddef>
#include <cstdint>
#include <cstring>

#include <mubi/backend/scalar.hpp>
#include <mubi/model/configs.hpp>
#include <utility>

#include <mubi/model/model.hpp>
#include <mubi/model/quantized.hpp>
#include <mubi/model/with_frontend.hpp>
#include <mubi/runtime/stream.hpp>

#include MUBI_FW_CONFIG  // after mubi: it names mubi's types, and sets MUBI_FW_INT8 and MUBI_FW_RAW
#include "semihost.hpp"

extern const unsigned char mubi_model_blob[];
extern const std::size_t mubi_model_blob_size;
extern "C" std::uint32_t __stack_limit__, __stack_top__;

namespace {

using Trained = fw::Trained;
#if MUBI_FW_INT8
using Net = mubi::Int8<Trained>;
#else
using Net = mubi::Folded<Trained>;
#endif
#if MUBI_FW_RAW
using Deployed = mubi::WithFrontEnd<fw::FrontEnd, Net>;
#else
using Deployed = Net;
#endif
using Classifier = mubi::BoundModel<Deployed, mubi::backend::Scalar>;

Classifier model;  // the arena only: the weights stay in flash
mubi::Stream<Classifier> stream(model);

static_assert(sizeof fw::kClasses / sizeof fw::kClasses[0] == Net::output_size, "one class name per output");

// SysTick as a clock of executed instructions: with QEMU's -icount shift=N each instruction
// takes 2^N ns and SysTick counts the 25 MHz core clock (40 ns), so instructions =
// ticks * 40 / 2^N, deterministically.
volatile std::uint32_t* const kSysTick = reinterpret_cast<volatile std::uint32_t*>(0xE000E010);
void systick_start() {
  kSysTick[1] = 0xFFFFFF;  // reload
  kSysTick[2] = 0;         // current
  kSysTick[0] = 5;         // enable, core clock, no interrupt
}
std::uint32_t systick_now() { return kSysTick[2]; }
std::uint32_t instructions_since(std::uint32_t start) {
  const std::uint32_t ticks = (start - systick_now()) & 0xFFFFFF;  // counts down
  return ticks * 40u / (1u << MUBI_ICOUNT_SHIFT);
}

// Stack high-water: paint the unused stack, later find the deepest overwritten word.
constexpr std::uint32_t kPaint = 0xC0FFEE11u;
__attribute__((noinline)) void paint_stack() {
  std::uint32_t* sp;
  asm volatile("mov %0, sp" : "=r"(sp));
  for (std::uint32_t* p = &__stack_limit__; p < sp - 16; ++p) *p = kPaint;
}
std::uint32_t stack_high_water() {
  const std::uint32_t* p = &__stack_limit__;
  while (p < &__stack_top__ && *p == kPaint) ++p;
  return static_cast<std::uint32_t>(&__stack_top__ - p) * 4u;
}

bool same_scores(const float* got, const float* expect) {
#if MUBI_FW_INT8
  // Integer arithmetic and one IEEE float multiply per logit: bit-exact with the host.
  return std::memcmp(got, expect, Net::output_size * sizeof(float)) == 0;
#else
  // Float: the M4F contracts multiply-adds and has its own expf; the label must match and
  // the logits agree to 1e-4.
  for (std::size_t k = 0; k < Net::output_size; ++k) {
    const float d = got[k] - expect[k];
    if (d > 1e-4f || d < -1e-4f) return false;
  }
  return mubi::argmax(got, Net::output_size) == mubi::argmax(expect, Net::output_size);
#endif
}

void line(const char* key, std::uint32_t value, const char* unit) {
  semihost::write("  ");
  semihost::write(key);
  semihost::write(value);
  semihost::write(unit);
  semihost::write("\n");
}

#if MUBI_FW_INT8 && !MUBI_FW_RAW
template <std::size_t... I>
void profile_layers(const std::int8_t* window, float* scores, std::uint32_t* spent, std::index_sequence<I...>) {
  ((spent[I] = [&] {
     const std::uint32_t t0 = systick_now();
     model.infer_layer<I>(window, scores);
     return instructions_since(t0);
   }()),
   ...);
}
#endif

}  // namespace

int main() {
  paint_stack();
  systick_start();
  semihost::write(fw::kBanner);
  if (const mubi::Status s = model.bind(mubi_model_blob, mubi_model_blob_size); s != mubi::Status::ok) {
    semihost::write("FAIL: bind: ");
    semihost::write(mubi::to_string(s));
    semihost::write("\n");
    return 2;
  }
  const int samples = semihost::open(fw::kStream, 1);
  const int expected = semihost::open(fw::kExpect, 1);
  if (samples < 0 || expected < 0) {
    semihost::write("FAIL: cannot open the stream or the expected scores\n");
    return 2;
  }

  float sample[decltype(stream)::channels];  // the model's channels (raw: the front end's)
  float expect[Net::output_size];
  std::uint32_t pushed = 0, mismatches = 0, per_classification = 0, per_sample = 0;
  while (semihost::read(samples, sample, sizeof sample)) {
    bool classified = false;
    const std::uint32_t t0 = systick_now();
    const mubi::Status s = stream.push(sample, classified);
    const std::uint32_t spent = instructions_since(t0);
    ++pushed;
    if (s != mubi::Status::ok) {
      semihost::write("FAIL: push\n");
      return 2;
    }
    if (!classified) {
      per_sample = spent > per_sample ? spent : per_sample;
      continue;
    }
    per_classification = spent > per_classification ? spent : per_classification;
    const bool ok = semihost::read(expected, expect, sizeof expect) && same_scores(stream.scores(), expect);
    mismatches += !ok;
    semihost::write("  sample ");
    semihost::write(pushed);
    semihost::write(": ");
    semihost::write(fw::kClasses[stream.label()]);
    semihost::write(ok ? "  (= host)\n" : "  MISMATCH with the host\n");
  }

  semihost::write("summary\n");
  line("classifications       ", stream.classifications(), "");
  line("mismatches            ", mismatches, "");
  line("blob bytes            ", static_cast<std::uint32_t>(Deployed::blob_bytes), " (constexpr, in flash)");
  line("weight bytes          ", static_cast<std::uint32_t>(Deployed::weight_bytes), " (constexpr)");
  line("arena bytes           ", static_cast<std::uint32_t>(Deployed::arena_bytes), " (constexpr)");
#if MUBI_FW_RAW
  line("front-end state bytes ", static_cast<std::uint32_t>(Deployed::frontend::state_bytes), " (constexpr, in the Stream)");
#endif
  line("stream window bytes   ", static_cast<std::uint32_t>(sizeof(stream)), " (sizeof Stream)");
  line("stack high-water      ", stack_high_water(), " bytes (painted)");
  line("instructions/window   ", per_classification, " (push that classifies: inference + slide)");
  line("instructions/sample   ", per_sample,
       MUBI_FW_RAW ? " (push that only stores: front end + quantization)" : " (push that only stores: quantization)");
#if MUBI_FW_INT8 && !MUBI_FW_RAW
  // Per layer: the network once more, layer by layer, on the stream's window buffer. The total
  // is the classifying push less its slide and bookkeeping: push runs the same out-of-line
  // layer functions.
  std::uint32_t layer_instructions[Net::layer_count];
  float scratch_scores[Net::output_size];
  const std::uint32_t start = systick_now();
  profile_layers(stream.window_data(), scratch_scores, layer_instructions,
                 std::make_index_sequence<Net::layer_count>{});
  const std::uint32_t direct = instructions_since(start);
  for (std::size_t i = 0; i < Net::layer_count; ++i) {
    semihost::write("  layer ");
    semihost::write(static_cast<std::uint32_t>(i));
    line(": ", layer_instructions[i], " instructions");  // conv blocks, LSTM, Dense in order
  }
  line("instructions/inference ", direct, " (the layers one by one, infer_layer)");
  // The classifying push is this inference plus the window's slide (about 1,600
  // instructions): more than 1 % apart means the network's code depends on its call site.
  if (per_classification < direct || per_classification - direct > direct / 100) {
    semihost::write("FAIL: push > inference + 1 %\n");
    return 1;
  }
#endif
  if (mismatches != 0 || stream.classifications() == 0) {
    semihost::write("FAIL: the firmware's classifications differ from the host's\n");
    return 1;
  }
  return 0;
}
