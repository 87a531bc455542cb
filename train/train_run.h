// One training run from the manifest to runs/NAME: read the split, load the weights,
// decode the images, train both phases, evaluate and write every output.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "train/run_summary.h"
#include "train/train_options.h"

namespace smallset {

struct RunRequest {
  TrainOptions options;
  std::string manifest_path;
  std::string out_dir;  // runs/NAME; must not exist yet unless resuming
  bool resume = false;  // continue the run in out_dir from its last checkpoint
};

struct RunResult {
  RunSummary summary;
  int64_t run_id = 0;
  std::string out_dir;
};

// Runs (or resumes) one training run. Every check of the input (split, store files,
// weights, images) happens before anything is written, so a bad input leaves no trace.
// Per-epoch lines go to stdout unless `quiet_epochs`.
Status RunTraining(const RunRequest& request, bool quiet_epochs, RunResult* result);

// Reads the options that the run in `out_dir` was started with (its run.json).
Status ReadRunOptions(const std::string& out_dir, TrainOptions* options, std::string* manifest_path);

}  // namespace smallset
