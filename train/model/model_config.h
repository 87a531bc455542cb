// ModelConfig: the architecture and input conventions of a classifier, and the config.json
// of a weights folder that describes them.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "common/status.h"

namespace smallset {

struct ModelConfig {
  std::string arch;                   // resnet18 | resnet34 | resnet50 | mobilenet_v2
  int num_classes = 2;
  bool tf_same_padding = false;       // TensorFlow SAME padding on stride-2 convs (config.json "padding": "tf_same")
  int input_size = 224;               // side of the square network input, in pixels
  std::array<float, 3> mean{0.485f, 0.456f, 0.406f};  // per RGB channel, on the [0, 1] pixel scale
  std::array<float, 3> std{0.229f, 0.224f, 0.225f};
  float crop_pct = 0.875f;            // eval crop side as a fraction of the shorter image side
};

// Returns the architectures CreateClassifier builds, in the order help text lists them.
const std::vector<std::string>& SupportedArchitectures();

// Returns InvalidArgument naming the supported architectures unless `arch` is one of them.
Status CheckArchitecture(const std::string& arch);

// Parses a weights folder's config.json. Accepts the flat layout ("architecture", "padding",
// "input_size", "mean", "std", "crop_pct", "num_classes") and timm's layout, where the input
// fields sit under "pretrained_cfg". Missing fields keep the values already in `*config`;
// num_classes is the pretrained head's class count. `origin` names the file in errors.
Status ParseModelConfigJson(const std::string& text, const std::string& origin, ModelConfig* config);

// Serialises `config` in the flat layout ParseModelConfigJson reads.
std::string ModelConfigToJson(const ModelConfig& config);

}  // namespace smallset
