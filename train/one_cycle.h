// One-cycle learning-rate and momentum schedule (Smith 2018, as fastai's fit_one_cycle
// uses it): over the first `warmup_fraction` of the steps the learning rate rises from
// max_lr / start_divisor to max_lr along a half cosine while the momentum falls from
// max_momentum to min_momentum; over the rest the learning rate falls to
// max_lr / final_divisor and the momentum rises back.
#pragma once

#include <cstdint>

namespace smallset {

struct OneCycleOptions {
  double warmup_fraction = 0.25;
  double start_divisor = 25.0;
  double final_divisor = 1e5;
  double max_momentum = 0.95;  // Adam's beta1
  double min_momentum = 0.85;
};

class OneCycle {
 public:
  // `total_steps` is the number of optimizer steps of the whole cycle (>= 1).
  OneCycle(int64_t total_steps, double max_lr, const OneCycleOptions& options = {});

  // Learning rate and momentum for the 0-based `step`; steps past the end hold the last value.
  double LearningRateAt(int64_t step) const;
  double MomentumAt(int64_t step) const;

  int64_t total_steps() const { return total_steps_; }

 private:
  // Position inside the current phase in [0, 1], and whether the step is in the warm-up.
  double PhasePosition(int64_t step, bool* warmup) const;

  int64_t total_steps_;
  double max_lr_;
  OneCycleOptions options_;
};

// Half-cosine interpolation from `start` (position 0) to `end` (position 1).
double CosineInterpolate(double start, double end, double position);

}  // namespace smallset
