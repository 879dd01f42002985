// libFuzzer harness: arbitrary bytes as a blob, through load() and bind() of several
// compiled model types, float and int8, and inference when a blob is accepted. Built with clang's
// -fsanitize=fuzzer,address,undefined (tests/CMakeLists.txt, MUBI_BUILD_FUZZ).
//
// Random bytes almost never carry a valid CRC-32, which would keep the fuzzer at the
// checksum. So when the first input byte is odd, the harness drops it and re-seals the rest
// (writes the correct CRC at offset 40) before loading: every check behind the checksum is
// reachable too.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <type_traits>
#include <vector>

#include <mubi/mubi.hpp>

namespace {

template <class Arch>
void exercise(const unsigned char* data, std::size_t size) {
  using D = mubi::Folded<Arch>;
  static mubi::Model<D> folded;        // load() also folds unfolded blobs of Arch
  static mubi::Model<Arch> unfolded;   // BatchNorm layers kept
  static mubi::BoundModel<D> bound;
  static float window[D::input_size];
  static float logits[D::output_size];
  for (std::size_t i = 0; i < D::input_size; ++i) window[i] = static_cast<float>(i % 13) * 0.25f - 1.0f;

  const mubi::Status s1 = folded.load(data, size);
  const mubi::Status s2 = unfolded.load(data, size);
  const mubi::Status s3 = bound.bind(data, size);
  // The name of every status exists; a success must leave a runnable model.
  if (mubi::to_string(s1)[0] == '\0' || mubi::to_string(s2)[0] == '\0' || mubi::to_string(s3)[0] == '\0') std::abort();
  if (s1 == mubi::Status::ok && folded.infer(window, logits) != mubi::Status::ok) std::abort();
  if (s2 == mubi::Status::ok && unfolded.infer(window, logits) != mubi::Status::ok) std::abort();
  if (s3 == mubi::Status::ok && bound.infer(window, logits) != mubi::Status::ok) std::abort();
  if (s1 == mubi::Status::ok && mubi::argmax(logits, D::output_size) >= D::output_size) std::abort();

  // The int8 form: every quantization parameter the blob carries is checked before use, so
  // an accepted blob runs without signed overflow (UBSan) on ordinary and extreme windows.
  using Q = mubi::Int8<Arch>;
  static mubi::Model<Q> q_loaded;
  static mubi::BoundModel<Q> q_bound;
  static float extreme[Q::input_size];
  for (std::size_t i = 0; i < Q::input_size; ++i) extreme[i] = i % 2 ? 1e6f : -1e6f;
  const mubi::Status s4 = q_loaded.load(data, size);
  const mubi::Status s5 = q_bound.bind(data, size);
  if (mubi::to_string(s4)[0] == '\0' || mubi::to_string(s5)[0] == '\0') std::abort();
  if (s4 == mubi::Status::ok &&
      (q_loaded.infer(window, logits) != mubi::Status::ok || q_loaded.infer(extreme, logits) != mubi::Status::ok))
    std::abort();
  if (s5 == mubi::Status::ok && q_bound.infer(window, logits) != mubi::Status::ok) std::abort();
}

// A model with a front end (format version 2): load() and bind(), float and int8, and when
// a blob is accepted, a stream of raw samples (ordinary, huge and NaN) through the front end
// and the network until it has classified twice.
template <class FE, class Arch>
void exercise_raw(const unsigned char* data, std::size_t size) {
  using F = mubi::WithFrontEnd<FE, mubi::Folded<Arch>>;
  using Q = mubi::WithFrontEnd<FE, mubi::Int8<Arch>>;
  static mubi::Model<F> f_loaded;
  static mubi::BoundModel<F> f_bound;
  static mubi::Model<Q> q_loaded;
  static mubi::BoundModel<Q> q_bound;
  const auto stream = [](auto& model) {
    using M = std::decay_t<decltype(model)>;
    static mubi::Stream<M> runner(model);
    runner.reset();
    float sample[FE::raw_channels];
    const std::size_t before = runner.classifications();
    for (std::size_t k = 0; runner.classifications() - before < 2 && k < 4 * M::In::len; ++k) {
      for (std::size_t c = 0; c < FE::raw_channels; ++c)
        sample[c] = k % 97 == 50 ? NAN : k % 31 == 7 ? (c % 2 ? 1e6f : -1e6f) : static_cast<float>((k + c) % 7) * 0.3f - 1.0f;
      bool classified = false;
      if (runner.push(sample, classified) != mubi::Status::ok) std::abort();
      if (classified && runner.label() >= M::output_size) std::abort();
    }
  };
  const mubi::Status s[4] = {f_loaded.load(data, size), f_bound.bind(data, size), q_loaded.load(data, size),
                             q_bound.bind(data, size)};
  for (const mubi::Status x : s)
    if (mubi::to_string(x)[0] == '\0') std::abort();
  if (s[0] == mubi::Status::ok) stream(f_loaded);
  if (s[1] == mubi::Status::ok) stream(f_bound);
  if (s[2] == mubi::Status::ok) stream(q_loaded);
  if (s[3] == mubi::Status::ok) stream(q_bound);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // An aligned copy (bind needs 16-byte alignment; libFuzzer's buffer has none).
  static std::vector<unsigned char> buf;
  const bool reseal = size > 0 && (data[0] & 1u);
  const unsigned char* bytes = data + (size > 0 ? 1 : 0);
  const std::size_t n = size > 0 ? size - 1 : 0;
  buf.assign(n + 16, 0);
  auto* aligned = reinterpret_cast<unsigned char*>((reinterpret_cast<std::uintptr_t>(buf.data()) + 15) / 16 * 16);
  if (n) std::memcpy(aligned, bytes, n);
  if (reseal && n >= mubi::format::kHeaderBytes) {
    const std::uint32_t crc = mubi::format::blob_crc32(aligned, n);
    for (int k = 0; k < 4; ++k) aligned[mubi::format::kCrcOffset + k] = static_cast<unsigned char>(crc >> (8 * k));
  }
  exercise<mubi::configs::UciHar<>>(aligned, n);
  exercise<mubi::configs::Daphnet<>>(aligned, n);
  exercise<mubi::MuBiConvLSTM_A2<128, 9, 6>>(aligned, n);
  exercise<mubi::MuBiConvLSTM_A4<128, 9, 6>>(aligned, n);
  exercise_raw<mubi::frontends::UciHar, mubi::configs::UciHar<>>(aligned, n);
  return 0;
}
