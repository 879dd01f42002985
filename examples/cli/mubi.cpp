// mubi: command-line tool over blobs.
//   mubi info MODEL.mubi
//   mubi run  MODEL.mubi --input X.f32 [--output Y.f32]
//   mubi eval MODEL.mubi --data DIR [--split test] [--predictions P.u8]
//             [--drop-every K] [--zero-channels LIST]   (degraded input: samples or sensors lost)
//   mubi frontend MODEL.mubi --input RAW.f32 --output FEATURES.f32
//   mubi stream MODEL.mubi --input SAMPLES.f32 [--output SCORES.f32] [--hop H]
// X.f32: N windows of raw little-endian float32, N x T x C, time-major. Y.f32: N x classes
// float32 logits. The argmax label of every window is printed. DIR is a window dataset
// directory ({split}_x.f32, {split}_y.u8) as in ../shared/data or from python/mubi/datasets.py.
// For a model with a front end (format version 2), run and eval take the front end's output
// (windows of the network's channels); frontend runs the front end alone on a raw recording
// (N x raw channels -> N - lag rows of the network's channels), and stream takes samples
// (raw ones for a model with a front end) and classifies every H samples once a window is
// full, as mubi::Stream<M, H> does (default H: half a window).
#include <array>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include <mubi/mubi.hpp>

#include "../common/degrade.hpp"
#include "../common/window_dataset.hpp"
#include "registry.hpp"

namespace {

std::vector<unsigned char> read_file(const std::string& path, bool& ok) {
  std::ifstream f(path, std::ios::binary);
  ok = static_cast<bool>(f);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

const char* aggregation_name(unsigned code) {
  switch (code) {
    case 0: return "sequence";
    case 1: return "last";
    case 2: return "final_states";
    case 3: return "mean";
  }
  return "?";
}

// One line per layer record, read from the blob itself (works for any architecture).
void print_architecture(std::FILE* to, const mubi::format::BlobView& v) {
  for (std::uint32_t i = 0; i < v.layer_count; ++i) {
    const mubi::LayerRecord r = v.layer(i);
    char what[64] = "";
    switch (r.kind) {
      case mubi::LayerKind::conv1d: std::snprintf(what, sizeof what, "(filters %u, kernel %u)", r.p0, r.p1); break;
      case mubi::LayerKind::maxpool1d: std::snprintf(what, sizeof what, "(%u)", r.p0); break;
      case mubi::LayerKind::lstm:
        std::snprintf(what, sizeof what, "(hidden %u, %s, %s)", r.p0, r.p2 == 2 ? "bidirectional" : "unidirectional",
                      aggregation_name(r.p1));
        break;
      case mubi::LayerKind::dense: std::snprintf(what, sizeof what, "(%u)", r.p0); break;
      case mubi::LayerKind::fe_median: std::snprintf(what, sizeof what, "(length %u)", r.p0); break;
      case mubi::LayerKind::fe_fir:
        std::snprintf(what, sizeof what, "(%u taps, channels %u..%u)", r.p0, r.p1, r.p1 + r.p2 - 1);
        break;
      case mubi::LayerKind::fe_iir:
      case mubi::LayerKind::fe_iir_residual:
        std::snprintf(what, sizeof what, "(%u sections, channels %u..%u)", r.p0, r.p1, r.p1 + r.p2 - 1);
        break;
      case mubi::LayerKind::fe_select: std::snprintf(what, sizeof what, "(%u channels)", r.p0); break;
      default: break;
    }
    std::fprintf(to, "  %2u  %-10s %-38s -> %u x %u\n", i, mubi::to_string(r.kind), what, r.out_len, r.out_ch);
  }
}

int parse(const std::string& path, std::vector<unsigned char>& bytes, mubi::format::BlobView& v) {
  bool ok = false;
  bytes = read_file(path, ok);
  if (!ok) {
    std::fprintf(stderr, "mubi: cannot read %s\n", path.c_str());
    return 2;
  }
  const mubi::Status s = mubi::format::parse_header(bytes.data(), bytes.size(), v);
  if (s != mubi::Status::ok) {
    std::fprintf(stderr, "mubi: %s is not a valid blob: %s\n", path.c_str(), mubi::to_string(s));
    return 2;
  }
  return 0;
}

int no_compiled_type(const mubi::format::BlobView& v) {
  std::fprintf(stderr,
               "mubi: no model type for this architecture (signature 0x%016" PRIx64
               ") is compiled into this program.\nThe blob describes:\n",
               v.signature);
  print_architecture(stderr, v);
  std::fprintf(stderr, "Add its Sequential type to examples/cli/registry.hpp to run it.\n");
  return 3;
}

// Calls fn(Tag<Trained>, Tag<Deployed>) for the compiled type the blob's signature names:
// Deployed is Folded<Trained> for a float blob (folding BatchNorm on load when the blob is
// unfolded) and Int8<Trained> for an int8 blob.
template <class Fn>
bool dispatch_blob(const mubi::format::BlobView& v, Fn&& fn) {
  if (v.version == mubi::format::kVersionFrontEnd)
    return cli::dispatch_raw(v.signature, [&](auto tag) {
      using R = typename decltype(tag)::type;
      using FE = typename R::frontend;
      using A = typename R::network;
      if (v.dtype == static_cast<std::uint8_t>(mubi::DType::i8))
        fn(cli::Tag<A>{}, cli::Tag<mubi::WithFrontEnd<FE, mubi::Int8<A>>>{});
      else
        fn(cli::Tag<A>{}, cli::Tag<mubi::WithFrontEnd<FE, mubi::Folded<A>>>{});
    });
  return cli::dispatch(v.signature, [&](auto tag) {
    using A = typename decltype(tag)::type;
    if (v.dtype == static_cast<std::uint8_t>(mubi::DType::i8))
      fn(tag, cli::Tag<mubi::Int8<A>>{});
    else
      fn(tag, cli::Tag<mubi::Folded<A>>{});
  });
}

// Loads the blob into its deployed type and returns fn(model), or the exit code of the failure.
template <class Fn>
int with_model(const std::string& path, const std::vector<unsigned char>& bytes, const mubi::format::BlobView& v,
               Fn&& fn) {
  int rc = 0;
  const bool found = dispatch_blob(v, [&](auto, auto deployed) {
    using D = typename decltype(deployed)::type;
    auto model = std::make_unique<mubi::Model<D>>();
    const mubi::Status s = model->load(bytes.data(), bytes.size());
    if (s != mubi::Status::ok) {
      std::fprintf(stderr, "mubi: cannot load %s: %s\n", path.c_str(), mubi::to_string(s));
      rc = 4;
      return;
    }
    rc = fn(*model);
  });
  return found ? rc : no_compiled_type(v);
}

int info(const std::string& path) {
  std::vector<unsigned char> bytes;
  mubi::format::BlobView v;
  if (int rc = parse(path, bytes, v)) return rc;
  std::printf("%s: mubi blob v%u, %s, %u bytes, signature 0x%016" PRIx64 "\n", path.c_str(), v.version,
              v.dtype == 1 ? "float32" : "int8", v.total_bytes, v.signature);
  print_architecture(stdout, v);
  int rc = 0;
  const bool found = dispatch_blob(v, [&](auto trained, auto deployed) {
    using A = typename decltype(trained)::type;
    using D = typename decltype(deployed)::type;
    using F = mubi::Folded<A>;
    using Q = mubi::Int8<A>;
    auto model = std::make_unique<mubi::Model<D>>();
    const mubi::Status s = model->load(bytes.data(), bytes.size());
    std::printf("compiled type: %s\n", D::dtype == mubi::DType::i8 ? "int8 network (BatchNorm folded, quantized)"
                                       : v.signature == A::signature ? "trained network (BatchNorm folded on load)"
                                                                     : "BatchNorm-folded network");
    std::printf("  input           %zu x %zu (time steps x channels, raw sensor units)\n", D::In::len, D::In::ch);
    std::printf("  output          %zu logits\n", D::output_size);
    std::printf("  parameters      %zu (PyTorch numel of the trained network), %zu after folding\n", A::params,
                F::params);
    std::printf("  MACs            %zu per window (every LSTM step), %zu executed\n", A::macs, F::macs_executed);
    std::printf("                  float32      int8\n");
    std::printf("  weight bytes    %-12zu %zu\n", F::weight_bytes, Q::weight_bytes);
    std::printf("  arena bytes     %-12zu %zu  (activations + scratch)\n", F::arena_bytes, Q::arena_bytes);
    std::printf("  blob bytes      %-12zu %zu\n", F::blob_bytes, Q::blob_bytes);
    std::printf("  model object    %zu bytes (Model: weights + arena), %zu bytes (BoundModel: arena only)\n",
                sizeof(mubi::Model<D>), sizeof(mubi::BoundModel<D>));
    if constexpr (!std::is_void_v<mubi::detail::FrontEndOf<D>>) {
      using FE = mubi::detail::FrontEndOf<D>;
      std::printf("  front end       %zu raw channels -> %zu, %zu stages, lag %zu samples\n", FE::raw_channels,
                  FE::channels, FE::stage_count, FE::lag);
      std::printf("                  %zu coefficient bytes (in the blob), %zu state bytes per stream\n",
                  FE::weight_bytes, FE::state_bytes);
    }
    std::printf("  load            %s\n", mubi::to_string(s));
    rc = s == mubi::Status::ok ? 0 : 4;
  });
  if (!found) std::printf("compiled type: none in this program\n");
  return rc;
}

int run(const std::string& path, const std::string& input, const std::string& output) {
  std::vector<unsigned char> bytes;
  mubi::format::BlobView v;
  if (int rc = parse(path, bytes, v)) return rc;
  bool ok = false;
  const std::vector<unsigned char> x = read_file(input, ok);
  if (!ok) {
    std::fprintf(stderr, "mubi: cannot read %s\n", input.c_str());
    return 2;
  }
  return with_model(path, bytes, v, [&](auto& model) {
    using D = typename std::decay_t<decltype(model)>::arch;
    const std::size_t window_bytes = D::input_size * sizeof(float);
    if (x.empty() || x.size() % window_bytes != 0) {
      std::fprintf(stderr, "mubi: %s holds %zu bytes, not a whole number of %zu x %zu float32 windows\n",
                   input.c_str(), x.size(), D::In::len, D::In::ch);
      return 2;
    }
    const std::size_t n = x.size() / window_bytes;
    std::vector<float> in(n * D::input_size), out(n * D::output_size);
    std::memcpy(in.data(), x.data(), x.size());
    const auto t0 = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < n; ++i) model.infer(in.data() + i * D::input_size, out.data() + i * D::output_size);
    const double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
    std::printf("labels:");
    for (std::size_t i = 0; i < n; ++i)
      std::printf(" %zu", mubi::argmax(out.data() + i * D::output_size, D::output_size));
    std::printf("\n%zu windows, %.1f us per window\n", n, us / static_cast<double>(n));
    if (!output.empty()) {
      std::ofstream f(output, std::ios::binary);
      f.write(reinterpret_cast<const char*>(out.data()), static_cast<std::streamsize>(out.size() * sizeof(float)));
      if (!f) {
        std::fprintf(stderr, "mubi: cannot write %s\n", output.c_str());
        return 2;
      }
    }
    return 0;
  });
}

int eval(const std::string& path, const std::string& dir, const std::string& split, const std::string& predictions,
         std::size_t drop_every, const std::string& zero_channels) {
  std::vector<unsigned char> bytes;
  mubi::format::BlobView v;
  if (int rc = parse(path, bytes, v)) return rc;
  return with_model(path, bytes, v, [&](auto& model) {
    using D = typename std::decay_t<decltype(model)>::arch;
    const examples::WindowDataset data = examples::read_window_dataset(dir, split, D::input_size);
    if (!data.error.empty()) {
      std::fprintf(stderr, "mubi: %s\n", data.error.c_str());
      return 2;
    }
    constexpr std::size_t T = D::In::len, C = D::In::ch;
    examples::Degradation degradation;
    degradation.drop_every = drop_every;
    if (!zero_channels.empty() &&
        !examples::parse_channels(zero_channels, examples::read_channel_names(dir), C, degradation.zero_channels)) {
      std::fprintf(stderr, "mubi: --zero-channels %s: not channel indices below %zu or names from %s/meta.json\n",
                   zero_channels.c_str(), C, dir.c_str());
      return 1;
    }
    auto cm = std::make_unique<mubi::Confusion<D::output_size>>();
    std::vector<std::uint8_t> labels(data.count);
    std::array<float, D::output_size> logits{};
    std::vector<float> degraded(D::input_size);
    std::size_t held = 0;
    for (std::size_t i = 0; i < data.count; ++i) {
      const float* window = data.x.data() + i * D::input_size;
      if (degradation.any()) {
        bool h = false;
        examples::degrade_window(data.x.data(), data.count, i, T, C, degradation, degraded.data(), h);
        held += h;
        window = degraded.data();
      }
      model.infer(window, logits.data());
      labels[i] = static_cast<std::uint8_t>(mubi::argmax(logits.data(), logits.size()));
      cm->add(data.y[i], labels[i]);
    }
    std::printf("%s on %s (%s split)\n", path.c_str(), dir.c_str(), split.c_str());
    if (degradation.drop_every != 0)
      std::printf("  every %zu-th sample dropped: %zu windows refilled from the windows that follow, %zu by holding "
                  "their last sample (no continuation)\n",
                  degradation.drop_every, data.count - held, held);
    if (!degradation.zero_channels.empty()) {
      std::printf("  channels read as 0:");
      for (const std::size_t c : degradation.zero_channels) std::printf(" %zu", c);
      std::printf("\n");
    }
    examples::print_report(*cm, examples::read_class_names(dir));
    if (cm->rejected()) std::printf("  %llu windows had labels outside the model's classes\n",
                                    static_cast<unsigned long long>(cm->rejected()));
    if (!predictions.empty()) {
      std::ofstream f(predictions, std::ios::binary);
      f.write(reinterpret_cast<const char*>(labels.data()), static_cast<std::streamsize>(labels.size()));
      if (!f) return 2;
    }
    return 0;
  });
}

bool write_floats(const std::string& path, const std::vector<float>& v) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(v.data()), static_cast<std::streamsize>(v.size() * sizeof(float)));
  if (!f) std::fprintf(stderr, "mubi: cannot write %s\n", path.c_str());
  return static_cast<bool>(f);
}

// Reads `path` as rows of `width` float32 values; false (after a message) if it is not that.
bool read_rows(const std::string& path, std::size_t width, std::vector<float>& rows) {
  bool ok = false;
  const std::vector<unsigned char> x = read_file(path, ok);
  if (!ok) {
    std::fprintf(stderr, "mubi: cannot read %s\n", path.c_str());
    return false;
  }
  if (x.empty() || x.size() % (width * sizeof(float)) != 0) {
    std::fprintf(stderr, "mubi: %s holds %zu bytes, not a whole number of rows of %zu float32 values\n", path.c_str(),
                 x.size(), width);
    return false;
  }
  rows.resize(x.size() / sizeof(float));
  std::memcpy(rows.data(), x.data(), x.size());
  return true;
}

// The model's front end over raw rows (N x raw channels): N - lag rows of features.
template <class M>
std::vector<float> run_frontend(const M& model, const std::vector<float>& raw, double& us_per_sample) {
  using FE = mubi::detail::FrontEndOf<typename M::arch>;
  const std::size_t n = raw.size() / FE::raw_channels;
  std::vector<float> features;
  features.reserve(n * FE::channels);
  auto fe = std::make_unique<mubi::FrontEndStream<M>>(model);
  float row[FE::channels];
  const auto t0 = std::chrono::steady_clock::now();
  for (std::size_t k = 0; k < n; ++k) {
    bool produced = false;
    fe->push(raw.data() + k * FE::raw_channels, row, produced);
    if (produced) features.insert(features.end(), row, row + FE::channels);
  }
  us_per_sample = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() /
                  static_cast<double>(n);
  return features;
}

int frontend(const std::string& path, const std::string& input, const std::string& output) {
  std::vector<unsigned char> bytes;
  mubi::format::BlobView v;
  if (int rc = parse(path, bytes, v)) return rc;
  return with_model(path, bytes, v, [&](auto& model) {
    using M = std::decay_t<decltype(model)>;
    using FE = mubi::detail::FrontEndOf<typename M::arch>;
    if constexpr (std::is_void_v<FE>) {
      std::fprintf(stderr, "mubi: %s has no front end: its input is already the network's channels\n", path.c_str());
      return 2;
    } else {
      std::vector<float> raw;
      if (!read_rows(input, FE::raw_channels, raw)) return 2;
      double us = 0;
      const std::vector<float> features = run_frontend(model, raw, us);
      std::printf("%zu raw samples of %zu channels -> %zu rows of %zu features (lag %zu), %.2f us per sample\n",
                  raw.size() / FE::raw_channels, FE::raw_channels, features.size() / FE::channels, FE::channels,
                  FE::lag, us);
      return write_floats(output, features) ? 0 : 2;
    }
  });
}

int stream(const std::string& path, const std::string& input, const std::string& output, std::size_t hop) {
  std::vector<unsigned char> bytes;
  mubi::format::BlobView v;
  if (int rc = parse(path, bytes, v)) return rc;
  return with_model(path, bytes, v, [&](auto& model) {
    using M = std::decay_t<decltype(model)>;
    using D = typename M::arch;
    using FE = mubi::detail::FrontEndOf<D>;
    constexpr std::size_t T = D::In::len, C = D::In::ch, K = D::output_size;
    const std::size_t h = hop == 0 ? T / 2 : hop;
    if (h > T) {
      std::fprintf(stderr, "mubi: the hop must be between 1 and the window length %zu\n", T);
      return 2;
    }
    std::vector<float> rows;
    double fe_us = 0;
    if constexpr (std::is_void_v<FE>) {
      if (!read_rows(input, C, rows)) return 2;
    } else {
      std::vector<float> raw;
      if (!read_rows(input, FE::raw_channels, raw)) return 2;
      rows = run_frontend(model, raw, fe_us);
    }
    // Stream<M, H> classifies the window ending at every H-th sample once T are in; its
    // scores equal infer() on the same window (tests/runtime/test_stream.cpp), which a runtime hop
    // needs here.
    const std::size_t n = rows.size() / C;
    std::vector<float> scores;
    std::vector<std::size_t> labels;
    const auto t0 = std::chrono::steady_clock::now();
    for (std::size_t start = 0; start + T <= n; start += h) {
      float out[K];
      model.infer(rows.data() + start * C, out);
      scores.insert(scores.end(), out, out + K);
      labels.push_back(mubi::argmax(out, K));
    }
    const double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
    std::printf("labels:");
    for (std::size_t label : labels) std::printf(" %zu", label);
    std::printf("\n%zu classifications (window %zu, hop %zu) of %zu samples", labels.size(), T, h, n);
    if constexpr (!std::is_void_v<FE>) std::printf(" (front end: lag %zu, %.2f us per sample)", FE::lag, fe_us);
    std::printf(", %.1f us per classification\n", labels.empty() ? 0.0 : us / static_cast<double>(labels.size()));
    return output.empty() || write_floats(output, scores) ? 0 : 2;
  });
}

int usage() {
  std::fprintf(stderr,
               "usage: mubi info MODEL.mubi\n"
               "       mubi run MODEL.mubi --input X.f32 [--output Y.f32]\n"
               "       mubi eval MODEL.mubi --data DIR [--split test] [--predictions P.u8]\n"
               "                 [--drop-every K] [--zero-channels LIST]\n"
               "       mubi frontend MODEL.mubi --input RAW.f32 --output FEATURES.f32\n"
               "       mubi stream MODEL.mubi --input SAMPLES.f32 [--output SCORES.f32] [--hop H]\n");
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return usage();
  const std::string cmd = argv[1], model = argv[2];
  if (cmd == "info" && argc == 3) return info(model);
  if (cmd == "run") {
    std::string input, output;
    for (int i = 3; i + 1 < argc; i += 2) {
      const std::string flag = argv[i];
      if (flag == "--input") input = argv[i + 1];
      else if (flag == "--output") output = argv[i + 1];
      else return usage();
    }
    if (input.empty() || (argc - 3) % 2 != 0) return usage();
    return run(model, input, output);
  }
  if (cmd == "eval") {
    std::string dir, split = "test", predictions, drop, zero;
    if ((argc - 3) % 2 != 0) return usage();
    for (int i = 3; i + 1 < argc; i += 2) {
      const std::string flag = argv[i];
      if (flag == "--data") dir = argv[i + 1];
      else if (flag == "--split") split = argv[i + 1];
      else if (flag == "--predictions") predictions = argv[i + 1];
      else if (flag == "--drop-every") drop = argv[i + 1];
      else if (flag == "--zero-channels") zero = argv[i + 1];
      else return usage();
    }
    char* end = nullptr;
    const unsigned long k = drop.empty() ? 0 : std::strtoul(drop.c_str(), &end, 10);
    if (dir.empty() || (!drop.empty() && (k < 2 || *end != '\0'))) return usage();
    return eval(model, dir, split, predictions, k, zero);
  }
  if (cmd == "frontend" || cmd == "stream") {
    std::string input, output, hop;
    if ((argc - 3) % 2 != 0) return usage();
    for (int i = 3; i + 1 < argc; i += 2) {
      const std::string flag = argv[i];
      if (flag == "--input") input = argv[i + 1];
      else if (flag == "--output") output = argv[i + 1];
      else if (flag == "--hop" && cmd == "stream") hop = argv[i + 1];
      else return usage();
    }
    if (input.empty() || (cmd == "frontend" && output.empty())) return usage();
    if (cmd == "frontend") return frontend(model, input, output);
    char* end = nullptr;
    const unsigned long h = hop.empty() ? 0 : std::strtoul(hop.c_str(), &end, 10);
    if (!hop.empty() && (h == 0 || *end != '\0')) return usage();
    return stream(model, input, output, h);
  }
  return usage();
}
