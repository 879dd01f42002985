// Classification metrics against a hand-computed case (scikit-learn's definitions).
#include <doctest/doctest.h>

#include <mubi/eval/confusion.hpp>

TEST_CASE("confusion matrix, accuracy, F1 and macro-F1") {
  mubi::Confusion<4> cm;  // class 3 never occurs: left out of the macro mean
  const std::size_t truth[] = {0, 0, 1, 1, 2};
  const std::size_t pred[] = {0, 1, 1, 1, 0};
  for (int i = 0; i < 5; ++i) cm.add(truth[i], pred[i]);
  cm.add(7, 0);  // outside the classes: rejected, not counted
  CHECK(cm.total() == 5);
  CHECK(cm.rejected() == 1);
  CHECK(cm.at(0, 1) == 1);
  CHECK(cm.accuracy() == doctest::Approx(0.6));
  CHECK(cm.precision(1) == doctest::Approx(2.0 / 3.0));
  CHECK(cm.recall(0) == doctest::Approx(0.5));
  CHECK(cm.f1(0) == doctest::Approx(0.5));
  CHECK(cm.f1(1) == doctest::Approx(0.8));
  CHECK(cm.f1(2) == doctest::Approx(0.0));
  CHECK(cm.macro_f1() == doctest::Approx((0.5 + 0.8 + 0.0) / 3.0));
  mubi::Confusion<2> empty;
  CHECK(empty.accuracy() == 0.0);
  CHECK(empty.macro_f1() == 0.0);
}
