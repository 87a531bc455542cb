#include "train/evaluation.h"

#include <cmath>

#include "train/channels_last.h"

namespace smallset {

std::vector<View> TtaViews() { return {View::kEval, View::kEvalFlipped, View::kZoomed, View::kZoomedFlipped}; }

Evaluation Evaluate(Classifier& model, const BatchLoader& loader, const std::vector<View>& views, int batch_size,
                    const torch::Device& device) {
  torch::NoGradGuard no_grad;
  const bool was_training = model->is_training();
  model->eval();

  std::vector<int64_t> order(loader.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int64_t>(i);
  const int64_t num_classes = model->config().num_classes;
  torch::Tensor sum = torch::zeros({static_cast<int64_t>(order.size()), num_classes});
  for (View view : views) {
    EpochIterator batches(loader, order, batch_size, view, 0, 0);
    Batch batch;
    int64_t offset = 0;
    while (batches.Next(&batch)) {
      torch::Tensor logits = model->forward(ChannelsLast(batch.inputs.to(device)));
      torch::Tensor probabilities = torch::softmax(logits, 1).to(torch::kCPU);
      const int64_t n = probabilities.size(0);
      sum.narrow(0, offset, n).add_(probabilities);
      offset += n;
    }
  }
  model->train(was_training);

  Evaluation result;
  result.probabilities = sum / static_cast<double>(views.size());
  auto probabilities = result.probabilities.accessor<float, 2>();
  int64_t correct = 0;
  double loss_sum = 0;
  for (size_t i = 0; i < order.size(); ++i) {
    const int truth = loader.labels()[i];
    int best = 0;
    for (int64_t c = 1; c < num_classes; ++c) {
      if (probabilities[i][c] > probabilities[i][best]) best = static_cast<int>(c);
    }
    // Clamped so that a confident mistake gives a large finite loss, not infinity.
    const double loss = -std::log(std::max(static_cast<double>(probabilities[i][truth]), 1e-12));
    result.truth.push_back(truth);
    result.predicted.push_back(best);
    result.losses.push_back(loss);
    loss_sum += loss;
    correct += best == truth;
  }
  if (!order.empty()) {
    result.mean_loss = loss_sum / static_cast<double>(order.size());
    result.accuracy = static_cast<double>(correct) / static_cast<double>(order.size());
  }
  return result;
}

ConfusionMatrix ConfusionOf(const Evaluation& evaluation, int num_classes) {
  return BuildConfusionMatrix(num_classes, evaluation.truth, evaluation.predicted);
}

}  // namespace smallset
