#include "train/trainer.h"

#include <chrono>

#include "common/interrupt.h"
#include "common/log.h"
#include "common/progress.h"
#include "train/augment.h"
#include "train/channels_last.h"
#include "train/checkpoint.h"
#include "train/evaluation.h"
#include "train/one_cycle.h"

namespace smallset {
namespace {

constexpr double kBeta2 = 0.99;

// Sets each group's learning rate and beta1 for `step` of its one-cycle schedule.
void ApplySchedule(torch::optim::AdamW& optimizer, const std::vector<OneCycle>& schedules, int64_t step) {
  auto& groups = optimizer.param_groups();
  for (size_t g = 0; g < groups.size(); ++g) {
    auto& options = static_cast<torch::optim::AdamWOptions&>(groups[g].options());
    options.lr(schedules[g].LearningRateAt(step));
    options.betas(std::make_tuple(schedules[g].MomentumAt(step), kBeta2));
  }
}

}  // namespace

nlohmann::json EpochRecordsToJson(const std::vector<EpochRecord>& records) {
  nlohmann::json array = nlohmann::json::array();
  for (const EpochRecord& r : records) {
    array.push_back({{"epoch", r.epoch},
                     {"phase", r.phase},
                     {"train_loss", r.train_loss},
                     {"valid_loss", r.valid_loss},
                     {"valid_accuracy", r.valid_accuracy},
                     {"seconds", r.seconds}});
  }
  return array;
}

std::vector<EpochRecord> EpochRecordsFromJson(const nlohmann::json& json) {
  std::vector<EpochRecord> records;
  for (const auto& item : json) {
    EpochRecord r;
    r.epoch = item.at("epoch").get<int>();
    r.phase = item.at("phase").get<std::string>();
    r.train_loss = item.at("train_loss").get<double>();
    r.valid_loss = item.at("valid_loss").get<double>();
    r.valid_accuracy = item.at("valid_accuracy").get<double>();
    r.seconds = item.at("seconds").get<double>();
    records.push_back(r);
  }
  return records;
}

Trainer::Trainer(Classifier model, const BatchLoader& train, const BatchLoader& valid, const TrainOptions& options,
                 torch::Device device, std::string checkpoint_path)
    : model_(std::move(model)),
      train_(train),
      valid_(valid),
      options_(options),
      device_(device),
      checkpoint_path_(std::move(checkpoint_path)) {}

void Trainer::BuildOptimizer(bool frozen) {
  std::vector<std::vector<torch::Tensor>> groups = model_->ParameterGroups();
  std::vector<torch::optim::OptimizerParamGroup> param_groups;
  group_max_lrs_.clear();
  if (frozen) {
    // Phase 1 optimizes the head alone at --lr.
    group_max_lrs_.push_back(options_.lr);
    param_groups.emplace_back(groups[2], std::make_unique<torch::optim::AdamWOptions>(options_.lr));
  } else {
    for (size_t g = 0; g < groups.size(); ++g) {
      group_max_lrs_.push_back(options_.lrs[g]);
      param_groups.emplace_back(groups[g], std::make_unique<torch::optim::AdamWOptions>(options_.lrs[g]));
    }
  }
  for (auto& group : param_groups) {
    static_cast<torch::optim::AdamWOptions&>(group.options()).weight_decay(options_.weight_decay);
  }
  optimizer_ = std::make_unique<torch::optim::AdamW>(std::move(param_groups));
  optimizer_frozen_ = frozen;
}

Status Trainer::Resume() {
  CheckpointState state;
  torch::serialize::InputArchive optimizer_archive;
  SMALLSET_RETURN_IF_ERROR(LoadCheckpoint(checkpoint_path_, model_, &state, &optimizer_archive));
  UseChannelsLast(*model_);  // the checkpoint may hold either layout
  epochs_done_ = static_cast<int>(state.epochs_done);
  history_ = EpochRecordsFromJson(nlohmann::json::parse(state.history_json));

  // The stored optimizer matters only when the next epoch is in the same phase; at the
  // phase boundary the next phase starts a fresh optimizer, as an uninterrupted run does.
  const bool next_frozen = IsFrozenEpoch(epochs_done_);
  if (epochs_done_ < TotalEpochs(options_) && (state.phase == "frozen") == next_frozen) {
    model_->SetBodyFrozen(next_frozen);
    BuildOptimizer(next_frozen);
    try {
      optimizer_->load(optimizer_archive);
    } catch (const c10::Error& error) {
      return Status::Corruption("cannot restore the optimizer state from " + checkpoint_path_ + ": " +
                                error.what_without_backtrace());
    }
  }
  return Status::Ok();
}

double Trainer::TrainOneEpoch(int epoch_index, bool frozen) {
  const int phase_start = frozen ? 0 : options_.epochs_frozen;
  const int phase_epochs = frozen ? options_.epochs_frozen : options_.epochs;
  EpochIterator batches(train_, train_.EpochOrder(options_.seed, epoch_index), options_.batch,
                        options_.augment ? View::kAugmented : View::kEval, options_.seed, epoch_index);
  const int64_t per_epoch = batches.num_batches();
  std::vector<OneCycle> schedules;
  for (double max_lr : group_max_lrs_) schedules.emplace_back(per_epoch * phase_epochs, max_lr);

  model_->train();
  double loss_sum = 0;
  int64_t seen = 0;
  Progress progress(StringPrintf("epoch %d", epoch_index + 1), per_epoch);
  Batch batch;
  for (int64_t b = 0; batches.Next(&batch); ++b) {
    ApplySchedule(*optimizer_, schedules, (epoch_index - phase_start) * per_epoch + b);
    torch::Tensor inputs = ChannelsLast(batch.inputs.to(device_));
    torch::Tensor targets = batch.targets.to(device_);

    torch::Tensor logits;
    if (frozen) {
      // The body is frozen: computing its output without autograd saves the memory and
      // time of a graph that the head's gradients never need.
      torch::Tensor features;
      {
        torch::NoGradGuard no_grad;
        features = model_->Features(inputs);
      }
      logits = model_->Head(features);
    } else {
      logits = model_->forward(inputs);
    }
    torch::Tensor loss = torch::nn::functional::cross_entropy(logits, targets);
    optimizer_->zero_grad();
    loss.backward();
    optimizer_->step();

    loss_sum += loss.item<double>() * static_cast<double>(batch.indices.size());
    seen += static_cast<int64_t>(batch.indices.size());
    progress.Update(b + 1, StringPrintf("loss %.4f", loss_sum / static_cast<double>(seen)));
    if (InterruptRequested()) break;
  }
  progress.Finish();
  return seen == 0 ? 0.0 : loss_sum / static_cast<double>(seen);
}

Status Trainer::Run(const std::function<void(const EpochRecord&)>& on_epoch) {
  model_->SetBatchNormFrozen(options_.freeze_bn);
  for (int epoch_index = epochs_done_; epoch_index < TotalEpochs(options_); ++epoch_index) {
    const auto start = std::chrono::steady_clock::now();
    const bool frozen = IsFrozenEpoch(epoch_index);
    model_->SetBodyFrozen(frozen);
    if (!optimizer_ || optimizer_frozen_ != frozen) BuildOptimizer(frozen);

    // Dropout draws from torch's generator; seeding it per epoch keeps resumed runs identical.
    torch::manual_seed(SampleSeed(options_.seed, epoch_index, -2));
    EpochRecord record;
    record.epoch = epoch_index + 1;
    record.phase = frozen ? "frozen" : "unfrozen";
    record.train_loss = TrainOneEpoch(epoch_index, frozen);
    if (InterruptRequested()) return Status::Interrupted("interrupted during epoch " + std::to_string(record.epoch));

    const Evaluation evaluation = Evaluate(model_, valid_, {View::kEval}, options_.batch, device_);
    record.valid_loss = evaluation.mean_loss;
    record.valid_accuracy = evaluation.accuracy;
    record.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    history_.push_back(record);
    epochs_done_ = epoch_index + 1;

    CheckpointState state;
    state.epochs_done = epochs_done_;
    state.history_json = EpochRecordsToJson(history_).dump();
    state.phase = record.phase;
    SMALLSET_RETURN_IF_ERROR(SaveCheckpoint(checkpoint_path_, model_, *optimizer_, state));
    on_epoch(record);
    if (InterruptRequested()) return Status::Interrupted("interrupted after epoch " + std::to_string(record.epoch));
  }
  return Status::Ok();
}

}  // namespace smallset
