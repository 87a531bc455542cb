// Classification metrics computed from predicted and true class indices.
#pragma once

#include <cstdint>
#include <vector>

namespace smallset {

// counts[t][p]: number of examples of true class t predicted as class p.
struct ConfusionMatrix {
  std::vector<std::vector<int64_t>> counts;

  int64_t Total() const;
  int64_t Correct() const;
  double Accuracy() const;  // 0 when empty

  // Precision of class c: correct predictions of c over all predictions of c (0 when none).
  double Precision(int c) const;
  // Recall of class c: correct predictions of c over all examples of c (0 when none).
  double Recall(int c) const;
};

// Builds the matrix; `truth` and `predicted` have equal length and values in [0, num_classes).
ConfusionMatrix BuildConfusionMatrix(int num_classes, const std::vector<int>& truth,
                                     const std::vector<int>& predicted);

// Wilson score interval for a binomial proportion `successes` / `trials` at the normal
// quantile `z` (1.96 for 95%). Both bounds are 0 when there are no trials.
struct Interval {
  double low = 0;
  double high = 0;
};
Interval WilsonInterval(int64_t successes, int64_t trials, double z = 1.959963984540054);

// Mean and sample standard deviation (n - 1 in the denominator; 0 for fewer than 2 values).
struct MeanAndDeviation {
  double mean = 0;
  double standard_deviation = 0;
};
MeanAndDeviation ComputeMeanAndDeviation(const std::vector<double>& values);

}  // namespace smallset
