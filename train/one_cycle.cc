#include "train/one_cycle.h"

#include <algorithm>
#include <cmath>

namespace smallset {

double CosineInterpolate(double start, double end, double position) {
  return end + (start - end) / 2.0 * (std::cos(M_PI * position) + 1.0);
}

OneCycle::OneCycle(int64_t total_steps, double max_lr, const OneCycleOptions& options)
    : total_steps_(std::max<int64_t>(total_steps, 1)), max_lr_(max_lr), options_(options) {}

double OneCycle::PhasePosition(int64_t step, bool* warmup) const {
  step = std::clamp<int64_t>(step, 0, total_steps_ - 1);
  // The warm-up ends at this many steps; a one-step cycle is all annealing.
  const double warmup_steps = options_.warmup_fraction * static_cast<double>(total_steps_ - 1);
  const double s = static_cast<double>(step);
  if (s < warmup_steps) {
    *warmup = true;
    return s / warmup_steps;
  }
  *warmup = false;
  const double anneal_steps = static_cast<double>(total_steps_ - 1) - warmup_steps;
  return anneal_steps <= 0 ? 1.0 : (s - warmup_steps) / anneal_steps;
}

double OneCycle::LearningRateAt(int64_t step) const {
  bool warmup = false;
  const double position = PhasePosition(step, &warmup);
  if (warmup) return CosineInterpolate(max_lr_ / options_.start_divisor, max_lr_, position);
  return CosineInterpolate(max_lr_, max_lr_ / options_.final_divisor, position);
}

double OneCycle::MomentumAt(int64_t step) const {
  bool warmup = false;
  const double position = PhasePosition(step, &warmup);
  if (warmup) return CosineInterpolate(options_.max_momentum, options_.min_momentum, position);
  return CosineInterpolate(options_.min_momentum, options_.max_momentum, position);
}

}  // namespace smallset
