#include "train/classification_metrics.h"

#include <algorithm>
#include <cmath>

namespace smallset {

int64_t ConfusionMatrix::Total() const {
  int64_t total = 0;
  for (const auto& row : counts) {
    for (int64_t n : row) total += n;
  }
  return total;
}

int64_t ConfusionMatrix::Correct() const {
  int64_t correct = 0;
  for (size_t c = 0; c < counts.size(); ++c) correct += counts[c][c];
  return correct;
}

double ConfusionMatrix::Accuracy() const {
  const int64_t total = Total();
  return total == 0 ? 0.0 : static_cast<double>(Correct()) / static_cast<double>(total);
}

double ConfusionMatrix::Precision(int c) const {
  int64_t predicted = 0;
  for (const auto& row : counts) predicted += row[c];
  return predicted == 0 ? 0.0 : static_cast<double>(counts[c][c]) / static_cast<double>(predicted);
}

double ConfusionMatrix::Recall(int c) const {
  int64_t actual = 0;
  for (int64_t n : counts[c]) actual += n;
  return actual == 0 ? 0.0 : static_cast<double>(counts[c][c]) / static_cast<double>(actual);
}

ConfusionMatrix BuildConfusionMatrix(int num_classes, const std::vector<int>& truth,
                                     const std::vector<int>& predicted) {
  ConfusionMatrix matrix;
  matrix.counts.assign(num_classes, std::vector<int64_t>(num_classes, 0));
  for (size_t i = 0; i < truth.size() && i < predicted.size(); ++i) {
    matrix.counts[truth[i]][predicted[i]] += 1;
  }
  return matrix;
}

Interval WilsonInterval(int64_t successes, int64_t trials, double z) {
  if (trials <= 0) return {};
  const double n = static_cast<double>(trials);
  const double p = static_cast<double>(successes) / n;
  const double z2 = z * z;
  const double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const double half_width = z / (1 + z2 / n) * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n));
  Interval interval;
  interval.low = std::max(0.0, centre - half_width);
  interval.high = std::min(1.0, centre + half_width);
  return interval;
}

MeanAndDeviation ComputeMeanAndDeviation(const std::vector<double>& values) {
  MeanAndDeviation result;
  if (values.empty()) return result;
  double sum = 0;
  for (double v : values) sum += v;
  result.mean = sum / static_cast<double>(values.size());
  if (values.size() < 2) return result;
  double squares = 0;
  for (double v : values) squares += (v - result.mean) * (v - result.mean);
  result.standard_deviation = std::sqrt(squares / static_cast<double>(values.size() - 1));
  return result;
}

}  // namespace smallset
