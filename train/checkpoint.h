// The per-epoch checkpoint that --resume continues from: model, optimizer state, the number
// of finished epochs and the metrics so far, in one file replaced atomically.
//
// No random-number state is stored because none carries over between epochs: each epoch
// seeds its generators from (seed, epoch) alone (see SampleSeed), so a resumed run draws
// exactly what an uninterrupted run would have drawn.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <torch/torch.h>

#include "common/status.h"
#include "train/model/classifier.h"

namespace smallset {

struct CheckpointState {
  int64_t epochs_done = 0;
  std::string history_json;  // the finished epochs' metrics, as a JSON array
  std::string phase;         // phase of the optimizer stored with it: "frozen" or "unfrozen"
};

// Writes the checkpoint to `path` + ".tmp" and renames it over `path`.
Status SaveCheckpoint(const std::string& path, Classifier& model, torch::optim::Optimizer& optimizer,
                      const CheckpointState& state);

// Reads a checkpoint into `model` and `state`. The optimizer state stays in `optimizer_archive`
// until the caller has built an optimizer for `state->phase` and loads it from there.
Status LoadCheckpoint(const std::string& path, Classifier& model, CheckpointState* state,
                      torch::serialize::InputArchive* optimizer_archive);

}  // namespace smallset
