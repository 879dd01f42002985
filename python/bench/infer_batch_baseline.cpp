// The C++ side of python/bench/predict_overhead.py: infer_batch on N windows with every
// hardware thread, as mubi.Model.predict runs it, built with the extension's flags. Prints
// the median of 5 rounds in microseconds per window.
//   mubi_infer_batch_baseline MODEL.mubi WINDOWS.f32 N
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <vector>

#include <mubi/host/std_threads.hpp>
#include <mubi/mubi.hpp>

using Net = mubi::Int8<mubi::configs::UciHar<>>;
using FloatNet = mubi::Folded<mubi::configs::UciHar<>>;

template <class D>
int run(const std::vector<unsigned char>& blob, const std::vector<float>& base, std::size_t n) {
  auto model = std::make_unique<mubi::Model<D>>();
  if (model->load(blob.data(), blob.size()) != mubi::Status::ok) return 2;
  std::vector<float> x(n * D::input_size), out(n * D::output_size);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = base[i % base.size()];
  const std::size_t workers = mubi::host::hardware_workers();
  std::vector<typename mubi::Model<D>::Arena> arenas(workers);
  std::vector<double> rounds;
  for (int r = 0; r < 5; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    mubi::infer_batch(*model, x.data(), n, out.data(), arenas.data(), workers, mubi::host::StdThreads{});
    rounds.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() /
                     static_cast<double>(n));
  }
  std::sort(rounds.begin(), rounds.end());
  std::printf("%.4f\n", rounds[2]);
  return 0;
}

int main(int argc, char** argv) {
  if (argc != 4) return 1;
  std::ifstream f(argv[1], std::ios::binary), w(argv[2], std::ios::binary);
  const std::vector<unsigned char> blob{std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
  const std::vector<char> raw{std::istreambuf_iterator<char>(w), std::istreambuf_iterator<char>()};
  std::vector<float> base(raw.size() / sizeof(float));
  std::memcpy(base.data(), raw.data(), base.size() * sizeof(float));
  const std::size_t n = std::strtoul(argv[3], nullptr, 10);
  mubi::format::BlobView v;
  if (base.empty() || mubi::format::parse_header(blob.data(), blob.size(), v) != mubi::Status::ok) return 2;
  return v.dtype == static_cast<std::uint8_t>(mubi::DType::i8) ? run<Net>(blob, base, n) : run<FloatNet>(blob, base, n);
}
