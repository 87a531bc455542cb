// The two-phase fine-tuning loop: phase 1 trains the head on a frozen body, phase 2 the
// whole network with one learning rate per layer group. Each phase follows a one-cycle
// schedule and uses AdamW. A checkpoint is written after every epoch.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "common/status.h"
#include "train/batch_loader.h"
#include "train/model/classifier.h"
#include "train/train_options.h"

namespace smallset {

struct EpochRecord {
  int epoch = 0;          // 1-based over both phases
  std::string phase;      // "frozen" or "unfrozen"
  double train_loss = 0;  // mean over the epoch's batches
  double valid_loss = 0;
  double valid_accuracy = 0;
  double seconds = 0;     // wall time of training and validation
};

nlohmann::json EpochRecordsToJson(const std::vector<EpochRecord>& records);
std::vector<EpochRecord> EpochRecordsFromJson(const nlohmann::json& json);

class Trainer {
 public:
  Trainer(Classifier model, const BatchLoader& train, const BatchLoader& valid, const TrainOptions& options,
          torch::Device device, std::string checkpoint_path);

  // Continues from the checkpoint at checkpoint_path (model, optimizer, finished epochs).
  Status Resume();

  // Trains the remaining epochs. `on_epoch` runs after each epoch's checkpoint is written.
  // Returns Interrupted when SIGINT/SIGTERM arrived; the last checkpoint stays usable.
  Status Run(const std::function<void(const EpochRecord&)>& on_epoch);

  const std::vector<EpochRecord>& history() const { return history_; }

 private:
  bool IsFrozenEpoch(int epoch_index) const { return epoch_index < options_.epochs_frozen; }
  void BuildOptimizer(bool frozen);
  double TrainOneEpoch(int epoch_index, bool frozen);

  Classifier model_;
  const BatchLoader& train_;
  const BatchLoader& valid_;
  TrainOptions options_;
  torch::Device device_;
  std::string checkpoint_path_;

  std::unique_ptr<torch::optim::AdamW> optimizer_;
  std::vector<double> group_max_lrs_;
  bool optimizer_frozen_ = false;
  std::vector<EpochRecord> history_;
  int epochs_done_ = 0;
};

}  // namespace smallset
