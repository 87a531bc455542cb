// Options of one training run, as the train command line sets them.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace smallset {

struct TrainOptions {
  std::string arch;              // "" until resolved: DefaultArchitecture(weights) when not given
  std::string weights = "auto";  // a weights folder, "auto" (cache or download) or "none"
  std::string weights_base_url;  // download base for "auto"; empty = the published location
  // At 160 px the full recipe on ~270 photos stays well under 3 minutes and 2 GB on 2 CPU
  // cores; 224 px took about 3 times as long and 3 GB (docs/benchmarks.md).
  int size = 160;
  int batch = 32;
  int epochs_frozen = 3;
  int epochs = 5;
  double lr = 1e-2;
  // Early layers, later layers, head. Ten times below the classic 1e-4,1e-3,1e-2, which undid
  // phase 1 on the measured photo sets with AdamW (docs/benchmarks.md, "Phase-2 learning rates").
  std::array<double, 3> lrs{1e-5, 1e-4, 1e-3};
  double weight_decay = 0.01;
  bool augment = true;
  bool freeze_bn = true;
  bool tta = false;
  bool lr_find = false;
  uint64_t seed = 0;
  int threads = 0;  // 0 = every core
  std::string device = "cpu";
};

nlohmann::json TrainOptionsToJson(const TrainOptions& options);
TrainOptions TrainOptionsFromJson(const nlohmann::json& json);

// Total number of epochs of both phases.
inline int TotalEpochs(const TrainOptions& options) { return options.epochs_frozen + options.epochs; }

}  // namespace smallset
