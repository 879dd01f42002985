// No heap use in include/: every operator new and malloc-family call is counted while
// load, bind and inference run; the count must stay zero. Control calls prove the counters
// see allocations at all. Plain main(), no test framework: the framework itself allocates.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <new>
#include <string>
#include <vector>

#include <mubi/mubi.hpp>
#ifdef MUBI_TEST_EIGEN
#include <mubi/backend/eigen.hpp>
#endif

// The replacements below pair new with malloc and delete with free on purpose.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace {
std::atomic<bool> armed{false};
std::atomic<long> allocations{0};
void note() {
  if (armed.load(std::memory_order_relaxed)) allocations.fetch_add(1, std::memory_order_relaxed);
}
}  // namespace

// C allocation: glibc lets the executable interpose malloc and friends.
#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__)
#define MUBI_COUNT_MALLOC 1
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
void* malloc(std::size_t n) {
  note();
  return __libc_malloc(n);
}
void* calloc(std::size_t a, std::size_t b) {
  note();
  return __libc_calloc(a, b);
}
void* realloc(void* p, std::size_t n) {
  note();
  return __libc_realloc(p, n);
}
void* aligned_alloc(std::size_t a, std::size_t n) {
  note();
  return __libc_memalign(a, n);
}
}
#endif

#ifdef MUBI_COUNT_MALLOC
static void* raw_malloc(std::size_t n) { return __libc_malloc(n); }
static void* raw_memalign(std::size_t a, std::size_t n) { return __libc_memalign(a, n); }
#else
static void* raw_malloc(std::size_t n) { return std::malloc(n); }
static void* raw_memalign(std::size_t a, std::size_t n) { return std::aligned_alloc(a, (n + a - 1) / a * a); }
#endif

// operator new: every replaceable form.
void* operator new(std::size_t n) {
  note();
  if (void* p = raw_malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  note();
  return raw_malloc(n ? n : 1);
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void* operator new(std::size_t n, std::align_val_t a) {
  note();
  if (void* p = raw_memalign(static_cast<std::size_t>(a), n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t a) { return operator new(n, a); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }


namespace {

std::vector<unsigned char> read(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

int failures = 0;
void expect(bool ok, const char* what) {
  std::printf("%s: %s\n", ok ? "ok  " : "FAIL", what);
  failures += !ok;
}

using Arch = mubi::configs::UciHar<>;
using Deploy = mubi::Folded<Arch>;
mubi::Model<Deploy, mubi::backend::Scalar> loaded;
mubi::Model<Deploy> folded_on_load;  // the build's default backend (xsimd on a host with it)
mubi::BoundModel<Deploy> bound;
#ifdef MUBI_TEST_EIGEN
mubi::BoundModel<Deploy, mubi::backend::Eigen> bound_eigen;
#endif
using Quant = mubi::Int8<Arch>;
mubi::Model<Quant> int8_loaded;
mubi::BoundModel<Quant> int8_bound;
alignas(16) unsigned char flash[Deploy::blob_bytes];
alignas(16) unsigned char int8_flash[Quant::blob_bytes];
std::int8_t int8_window[Quant::input_size];
float window[Deploy::input_size];
float logits[Deploy::output_size];
// Raw samples in: the front end (format version 2), float loaded and int8 bound, streamed.
using Raw = mubi::WithFrontEnd<mubi::frontends::UciHar, Deploy>;
using RawQuant = mubi::WithFrontEnd<mubi::frontends::UciHar, Quant>;
mubi::Model<Raw> raw_loaded;
mubi::BoundModel<RawQuant> raw_int8_bound;
alignas(16) unsigned char raw_int8_flash[RawQuant::blob_bytes];
mubi::Stream<mubi::Model<Raw>> raw_stream(raw_loaded);
mubi::Stream<mubi::BoundModel<RawQuant>> raw_int8_stream(raw_int8_bound);
mubi::FrontEndStream<mubi::Model<Raw>> raw_frontend(raw_loaded);

}  // namespace

int main() {
  const std::string dir = MUBI_GOLDEN_DIR_DEFAULT;
  const auto blob = read(dir + "/uci_har.mubi");
  const auto unfolded = read(dir + "/uci_har.unfolded.mubi");
  if (blob.size() != sizeof flash || unfolded.empty()) {
    std::printf("FAIL: golden blobs not found in %s\n", dir.c_str());
    return 1;
  }
  std::copy(blob.begin(), blob.end(), flash);
  const auto int8_blob = read(dir + "/uci_har.int8.mubi");
  if (int8_blob.size() != sizeof int8_flash) {
    std::printf("FAIL: golden int8 blob not found in %s\n", dir.c_str());
    return 1;
  }
  std::copy(int8_blob.begin(), int8_blob.end(), int8_flash);
  for (std::size_t i = 0; i < Deploy::input_size; ++i) window[i] = static_cast<float>(i % 17) * 0.1f;
  const std::string examples = MUBI_EXAMPLES_DIR_DEFAULT;
  const auto raw_blob = read(examples + "/models/uci_har_raw.mubi");
  const auto raw_int8_blob = read(examples + "/models/uci_har_raw.int8.mubi");
  if (raw_blob.size() != Raw::blob_bytes || raw_int8_blob.size() != sizeof raw_int8_flash) {
    std::printf("FAIL: the raw models are not in %s/models\n", examples.c_str());
    return 1;
  }
  std::copy(raw_int8_blob.begin(), raw_int8_blob.end(), raw_int8_flash);

  // Controls: the counters must see allocations, or a zero below proves nothing.
  armed = true;
  int* volatile escaped = new int(1);  // volatile: clang may elide an unused new/delete pair
  delete escaped;
  const long after_new = allocations.exchange(0);
#ifdef MUBI_COUNT_MALLOC
  void* volatile p = std::malloc(32);
  std::free(p);
  const long after_malloc = allocations.exchange(0);
#endif
  armed = false;
  expect(after_new == 1, "control: operator new is counted");
#ifdef MUBI_COUNT_MALLOC
  expect(after_malloc == 1, "control: malloc is counted");
#endif
  allocations = 0;

  armed = true;
  const mubi::Status s1 = loaded.load(blob.data(), blob.size());
  const mubi::Status s2 = folded_on_load.load(unfolded.data(), unfolded.size());
  const mubi::Status s3 = bound.bind(flash, sizeof flash);
  const mubi::Status s4 = loaded.infer(window, logits);
  const mubi::Status s5 = folded_on_load.infer(window, logits);
  const mubi::Status s6 = bound.infer(window, logits);
  const mubi::Status s7 = loaded.load(flash, sizeof flash - 1);  // a failing load too
#ifdef MUBI_TEST_EIGEN
  const bool eigen_ok = bound_eigen.bind(flash, sizeof flash) == mubi::Status::ok &&
                        bound_eigen.infer(window, logits) == mubi::Status::ok;
#else
  const bool eigen_ok = true;
#endif
  bool int8_ok = int8_loaded.load(int8_flash, sizeof int8_flash) == mubi::Status::ok &&
                 int8_bound.bind(int8_flash, sizeof int8_flash) == mubi::Status::ok &&
                 int8_loaded.infer(window, logits) == mubi::Status::ok &&
                 int8_bound.infer(window, logits) == mubi::Status::ok;
  for (std::size_t t = 0; t < Quant::In::len; ++t)
    int8_ok = int8_ok && int8_bound.quantize_sample(window + t * Quant::In::ch, int8_window + t * Quant::In::ch) ==
                             mubi::Status::ok;
  int8_ok = int8_ok && int8_bound.infer_quantized(int8_window, logits) == mubi::Status::ok;
  bool raw_ok = raw_loaded.load(raw_blob.data(), raw_blob.size()) == mubi::Status::ok &&
                raw_int8_bound.bind(raw_int8_flash, sizeof raw_int8_flash) == mubi::Status::ok;
  std::size_t raw_classified = 0;
  for (std::size_t k = 0; raw_ok && k < 200; ++k) {  // two classifications each (samples 128, 192)
    const float sample[6] = {0.01f * static_cast<float>(k % 9), -1.0f, 0.1f, 0.2f, -0.1f, 0.05f * static_cast<float>(k % 5)};
    bool a = false, b = false, c = false;
    float features[9];
    raw_ok = raw_stream.push(sample, a) == mubi::Status::ok && raw_int8_stream.push(sample, b) == mubi::Status::ok &&
             raw_frontend.push(sample, features, c) == mubi::Status::ok;
    raw_classified += a + b;
  }
  raw_stream.reset();
  raw_ok = raw_ok && raw_classified == 4;
  armed = false;
  const long during = allocations.load();

  expect(s1 == mubi::Status::ok && s2 == mubi::Status::ok && s3 == mubi::Status::ok, "load, fold-on-load, bind ok");
  expect(s4 == mubi::Status::ok && s5 == mubi::Status::ok && s6 == mubi::Status::ok, "inference ok");
  expect(s7 == mubi::Status::truncated, "failing load reports truncated");
  expect(eigen_ok, "Eigen backend bind and inference ok");
  expect(int8_ok, "int8 load, bind, quantize_sample, inference ok");
  expect(raw_ok, "front end: raw load, int8 bind, Stream and FrontEndStream on raw samples ok");
  std::printf("allocations during load/bind/infer/stream: %ld\n", during);
  expect(during == 0, "no heap use in load, bind, inference or streaming (front end included)");
  return failures == 0 ? 0 : 1;
}
