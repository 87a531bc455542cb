// The final results of one training run, and the files that record them: metrics.csv,
// lr_find.csv and the JSON that model.json, --json and the manifest share.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "train/classification_metrics.h"
#include "train/lr_finder.h"
#include "train/trainer.h"

namespace smallset {

struct TopLoss {
  int64_t image_id = 0;
  std::string sha256;
  std::string true_label;
  std::string predicted_label;
  double probability = 0;  // of the predicted label
  double loss = 0;
  std::string thumbnail_uri;  // "data:image/jpeg;base64,..." for the report
};

struct RunSummary {
  std::vector<std::string> classes;
  std::vector<EpochRecord> history;
  ConfusionMatrix confusion;
  double accuracy = 0;
  double valid_loss = 0;
  Interval accuracy_interval;  // 95% Wilson interval
  std::optional<double> tta_accuracy;
  std::vector<TopLoss> top_losses;
  std::optional<LrFinderResult> lr_finder;
  double total_seconds = 0;
};

nlohmann::json RunSummaryToJson(const RunSummary& summary);

// Writes `text` to `path` + ".tmp" and renames it over `path`.
Status WriteFileAtomically(const std::string& path, const std::string& text);

// epoch,phase,train_loss,valid_loss,valid_accuracy,seconds
std::string MetricsCsv(const std::vector<EpochRecord>& history);

// step,lr,loss,smoothed_loss
std::string LrFinderCsv(const LrFinderResult& result);

// The loss curve of the learning-rate finder as an SVG picture.
std::string LrFinderSvg(const LrFinderResult& result);

// The text summary printed at the end of a run.
std::string FormatSummary(const RunSummary& summary);

}  // namespace smallset
