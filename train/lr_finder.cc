#include "train/lr_finder.h"

#include <cmath>
#include <limits>

#include "common/progress.h"
#include "train/augment.h"
#include "train/channels_last.h"

namespace smallset {

double LrFinderRate(const LrFinderOptions& finder, int step) {
  const double fraction = finder.steps <= 1 ? 0.0 : static_cast<double>(step) / (finder.steps - 1);
  return finder.start_lr * std::pow(finder.end_lr / finder.start_lr, fraction);
}

namespace {

void SuggestRates(LrFinderResult* result) {
  const auto& points = result->points;
  if (points.empty()) return;
  size_t lowest = 0;
  for (size_t i = 1; i < points.size(); ++i) {
    if (points[i].smoothed_loss < points[lowest].smoothed_loss) lowest = i;
  }
  result->suggested_lr = points[lowest].lr / 10;

  // Steepest descent of the smoothed loss against log(lr), up to the minimum.
  double steepest = 0;
  result->steepest_lr = points[lowest].lr;
  for (size_t i = 1; i <= lowest; ++i) {
    const double slope = (points[i].smoothed_loss - points[i - 1].smoothed_loss) /
                         (std::log(points[i].lr) - std::log(points[i - 1].lr));
    if (slope < steepest) {
      steepest = slope;
      result->steepest_lr = points[i].lr;
    }
  }
}

}  // namespace

LrFinderResult FindLearningRate(Classifier& model, const BatchLoader& train, const TrainOptions& options,
                                const torch::Device& device, const LrFinderOptions& finder) {
  // The sweep must leave no trace: keep copies of every parameter and buffer.
  std::vector<torch::Tensor> saved;
  {
    torch::NoGradGuard no_grad;
    for (const auto& p : model->parameters()) saved.push_back(p.clone());
    for (const auto& b : model->buffers()) saved.push_back(b.clone());
  }

  model->SetBodyFrozen(true);
  model->SetBatchNormFrozen(options.freeze_bn);
  model->train();
  torch::optim::AdamW optimizer(model->ParameterGroups()[2],
                                torch::optim::AdamWOptions(finder.start_lr).weight_decay(options.weight_decay));

  LrFinderResult result;
  double average = 0;
  double lowest = std::numeric_limits<double>::infinity();
  Progress progress("lr-find", finder.steps);
  int step = 0;
  for (int64_t epoch = 0; step < finder.steps && !result.diverged; ++epoch) {
    EpochIterator batches(train, train.EpochOrder(options.seed, 1000 + epoch), options.batch,
                          options.augment ? View::kAugmented : View::kEval, options.seed, 1000 + epoch);
    Batch batch;
    while (step < finder.steps && batches.Next(&batch)) {
      const double lr = LrFinderRate(finder, step);
      static_cast<torch::optim::AdamWOptions&>(optimizer.param_groups()[0].options()).lr(lr);
      torch::Tensor features;
      {
        torch::NoGradGuard no_grad;
        features = model->Features(ChannelsLast(batch.inputs.to(device)));
      }
      torch::Tensor loss = torch::nn::functional::cross_entropy(model->Head(features), batch.targets.to(device));
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();

      const double value = loss.item<double>();
      average = finder.smoothing * average + (1 - finder.smoothing) * value;
      const double smoothed = average / (1 - std::pow(finder.smoothing, step + 1));
      result.points.push_back({lr, value, smoothed});
      lowest = std::min(lowest, smoothed);
      step += 1;
      progress.Update(step);
      if (!std::isfinite(smoothed) || smoothed > finder.divergence_factor * lowest) {
        result.diverged = true;
        break;
      }
    }
  }
  progress.Finish();

  {
    torch::NoGradGuard no_grad;
    size_t i = 0;
    for (auto& p : model->parameters()) p.copy_(saved[i++]);
    for (auto& b : model->buffers()) b.copy_(saved[i++]);
  }
  SuggestRates(&result);
  return result;
}

}  // namespace smallset
