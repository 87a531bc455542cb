// Pretrained weights: a weights folder (model.safetensors + config.json) given by path, or the
// per-architecture download cache behind `--weights auto`.
#pragma once

#include <string>

#include "common/status.h"
#include "train/model/model_config.h"

namespace smallset {

struct PretrainedWeights {
  std::string safetensors_path;
  ModelConfig config;  // from config.json; num_classes is the pretrained head's, not the new head's
  std::string sha256;  // of model.safetensors
  std::string source;  // the folder given, or the URL the cached file came from
};

// Resolves `option`, which is a weights folder or "auto".
//
// A folder must hold model.safetensors and config.json; its architecture must equal `arch`
// unless `arch` is empty. "auto" uses the cache folder WeightsCacheDir(arch). When the cache
// is empty it downloads <base>/model.safetensors and <base>/config.json (an absent config.json
// means torchvision's ImageNet input conventions), shows a progress bar, and records the
// sha256 and the URL in the cached config.json. <base> is `base_url` + "/" + arch when
// `base_url` is not empty, else $SMALLSET_WEIGHTS_URL + "/" + arch when that is set, else
// DefaultWeightsUrl(arch). A cached file whose sha256 no longer matches the record is rejected.
// Offline with an empty cache, the error explains how to pass --weights.
Status ResolvePretrainedWeights(const std::string& arch, const std::string& option, const std::string& base_url,
                                PretrainedWeights* out);

// The backbone to train when --arch is not given: the architecture that the weights folder's
// config.json names, or resnet18 for "auto" and "none", the smallest backbone that
// --weights auto can download. Returns "" for a folder whose config.json is missing or names
// no architecture, so that ResolvePretrainedWeights reports that problem.
std::string DefaultArchitecture(const std::string& weights_option);

// Returns $XDG_CACHE_HOME/smallset/weights/<arch>, or ~/.cache/smallset/weights/<arch> when
// XDG_CACHE_HOME is unset or not an absolute path.
std::string WeightsCacheDir(const std::string& arch);

// Returns the URL of the folder that publishes `arch`'s ImageNet weights with torchvision's
// names, or "" when there is none.
std::string DefaultWeightsUrl(const std::string& arch);

}  // namespace smallset
