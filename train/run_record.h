// The manifest's record of a training run: one runs row plus one run_images row per image
// used, with the label and split it was trained with.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "train/split_reader.h"

namespace smallset {

class Manifest;

// Inserts the runs row (status 'running') and its run_images rows in one transaction.
Status InsertRun(Manifest& manifest, const std::string& name, const std::string& out_dir, const std::string& arch,
                 const std::string& options_json, const SplitImages& split, int64_t* run_id);

// Marks the run 'finished' with its metrics, headline accuracy and model file.
Status FinishRun(Manifest& manifest, int64_t run_id, const std::string& metrics_json, double accuracy,
                 const std::string& model_path);

// Marks the run 'failed', keeping `reason` in metrics_json as {"error": reason}.
Status FailRun(Manifest& manifest, int64_t run_id, const std::string& reason);

// Marks a resumed run 'running' again.
Status RestartRun(Manifest& manifest, int64_t run_id);

}  // namespace smallset
