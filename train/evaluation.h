// Evaluates a classifier on the validation images: losses, predictions and probabilities.
#pragma once

#include <vector>

#include <torch/torch.h>

#include "train/batch_loader.h"
#include "train/classification_metrics.h"
#include "train/model/classifier.h"

namespace smallset {

struct Evaluation {
  torch::Tensor probabilities;        // [N, C], averaged over the views
  std::vector<double> losses;         // per image: -log p(true class)
  std::vector<int> truth;
  std::vector<int> predicted;
  double mean_loss = 0;
  double accuracy = 0;
};

// Runs the model in eval mode over every image of `loader` (in order) for each of `views`
// and averages the softmax probabilities. {kEval} is the plain evaluation.
Evaluation Evaluate(Classifier& model, const BatchLoader& loader, const std::vector<View>& views, int batch_size,
                    const torch::Device& device);

// The views test-time augmentation averages: plain, flipped, zoomed, zoomed and flipped.
std::vector<View> TtaViews();

// Builds the confusion matrix of an evaluation.
ConfusionMatrix ConfusionOf(const Evaluation& evaluation, int num_classes);

}  // namespace smallset
