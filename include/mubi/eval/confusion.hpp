// mubi: classification metrics over a fixed number of classes, without allocation:
// confusion matrix, accuracy, per-class precision / recall / F1 and macro-F1 (the paper's
// metric: the unweighted mean of per-class F1 over the classes that occur in the labels or
// the predictions, as scikit-learn's f1_score(average="macro") computes it).
#pragma once

#include <cstddef>
#include <cstdint>

namespace mubi {

template <std::size_t Classes>
class Confusion {
 public:
  static constexpr std::size_t classes = Classes;

  // Labels or predictions outside [0, Classes) are counted as `rejected`, not in the matrix.
  void add(std::size_t truth, std::size_t predicted) noexcept {
    if (truth >= Classes || predicted >= Classes) {
      ++rejected_;
      return;
    }
    ++m_[truth][predicted];
    ++total_;
  }

  std::uint64_t at(std::size_t truth, std::size_t predicted) const noexcept { return m_[truth][predicted]; }
  std::uint64_t total() const noexcept { return total_; }
  std::uint64_t rejected() const noexcept { return rejected_; }

  std::uint64_t support(std::size_t c) const noexcept {  // windows whose truth is c
    std::uint64_t s = 0;
    for (std::size_t p = 0; p < Classes; ++p) s += m_[c][p];
    return s;
  }
  std::uint64_t predicted(std::size_t c) const noexcept {
    std::uint64_t s = 0;
    for (std::size_t t = 0; t < Classes; ++t) s += m_[t][c];
    return s;
  }

  double accuracy() const noexcept {
    std::uint64_t hit = 0;
    for (std::size_t c = 0; c < Classes; ++c) hit += m_[c][c];
    return total_ ? static_cast<double>(hit) / static_cast<double>(total_) : 0.0;
  }
  double recall(std::size_t c) const noexcept { return ratio(m_[c][c], support(c)); }
  double precision(std::size_t c) const noexcept { return ratio(m_[c][c], predicted(c)); }
  double f1(std::size_t c) const noexcept {
    const std::uint64_t denom = support(c) + predicted(c);
    return denom ? 2.0 * static_cast<double>(m_[c][c]) / static_cast<double>(denom) : 0.0;
  }
  double macro_f1() const noexcept {
    double sum = 0.0;
    std::size_t present = 0;
    for (std::size_t c = 0; c < Classes; ++c)
      if (support(c) + predicted(c) > 0) {
        sum += f1(c);
        ++present;
      }
    return present ? sum / static_cast<double>(present) : 0.0;
  }

 private:
  static double ratio(std::uint64_t a, std::uint64_t b) noexcept {
    return b ? static_cast<double>(a) / static_cast<double>(b) : 0.0;
  }
  std::uint64_t m_[Classes][Classes] = {};
  std::uint64_t total_ = 0, rejected_ = 0;
};

}  // namespace mubi
