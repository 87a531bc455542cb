// Learning-rate finder: trains the head on the frozen body for about 100 batches while the
// learning rate grows exponentially from 1e-7 to 10, records the loss at each step, and
// restores the model afterwards.
#pragma once

#include <vector>

#include <torch/torch.h>

#include "train/batch_loader.h"
#include "train/model/classifier.h"
#include "train/train_options.h"

namespace smallset {

struct LrFinderPoint {
  double lr = 0;
  double loss = 0;           // raw batch loss
  double smoothed_loss = 0;  // exponential moving average with bias correction
};

struct LrFinderResult {
  std::vector<LrFinderPoint> points;
  double suggested_lr = 0;  // a tenth of the learning rate at the lowest smoothed loss
  double steepest_lr = 0;   // where the smoothed loss falls fastest
  bool diverged = false;    // stopped early because the loss exceeded 4x its minimum
};

struct LrFinderOptions {
  double start_lr = 1e-7;
  double end_lr = 10;
  int steps = 100;
  double smoothing = 0.98;
  double divergence_factor = 4;
};

LrFinderResult FindLearningRate(Classifier& model, const BatchLoader& train, const TrainOptions& options,
                                const torch::Device& device, const LrFinderOptions& finder = {});

// Learning rate of step `step` of the exponential sweep.
double LrFinderRate(const LrFinderOptions& finder, int step);

}  // namespace smallset
