#include "train/model/model_config.h"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace smallset {

namespace {

using nlohmann::json;

Status ReadTriple(const json& value, const std::string& field, const std::string& origin,
                  std::array<float, 3>* out) {
  if (!value.is_array() || value.size() != 3) {
    return Status::Corruption(origin + ": \"" + field + "\" must be an array of 3 numbers");
  }
  for (size_t i = 0; i < 3; ++i) {
    if (!value[i].is_number()) {
      return Status::Corruption(origin + ": \"" + field + "\" must be an array of 3 numbers");
    }
    (*out)[i] = value[i].get<float>();
  }
  return Status::Ok();
}

// Reads the input fields that may sit at the top level or under timm's "pretrained_cfg".
Status ReadInputFields(const json& object, const std::string& origin, ModelConfig* config) {
  if (object.contains("input_size")) {
    const json& size = object["input_size"];
    // [channels, height, width] as timm writes it, or one side.
    if (size.is_array() && size.size() == 3 && size[1].is_number_integer() && size[1] == size[2]) {
      config->input_size = size[1].get<int>();
    } else if (size.is_number_integer()) {
      config->input_size = size.get<int>();
    } else {
      return Status::Corruption(origin + ": \"input_size\" must be a side in pixels or [3, side, side]");
    }
    if (config->input_size < 32 || config->input_size > 4096) {
      return Status::Corruption(origin + ": \"input_size\" " + std::to_string(config->input_size) +
                                " is outside 32..4096");
    }
  }
  if (object.contains("mean")) SMALLSET_RETURN_IF_ERROR(ReadTriple(object["mean"], "mean", origin, &config->mean));
  if (object.contains("std")) SMALLSET_RETURN_IF_ERROR(ReadTriple(object["std"], "std", origin, &config->std));
  for (float s : config->std) {
    if (!(s > 0)) return Status::Corruption(origin + ": every \"std\" value must be positive");
  }
  if (object.contains("crop_pct")) {
    if (!object["crop_pct"].is_number()) return Status::Corruption(origin + ": \"crop_pct\" must be a number");
    config->crop_pct = object["crop_pct"].get<float>();
    if (!(config->crop_pct > 0 && config->crop_pct <= 1)) {
      return Status::Corruption(origin + ": \"crop_pct\" must be in (0, 1]");
    }
  }
  return Status::Ok();
}

}  // namespace

const std::vector<std::string>& SupportedArchitectures() {
  static const std::vector<std::string> kArchitectures = {"resnet18", "resnet34", "resnet50", "mobilenet_v2"};
  return kArchitectures;
}

Status CheckArchitecture(const std::string& arch) {
  const auto& known = SupportedArchitectures();
  if (std::find(known.begin(), known.end(), arch) != known.end()) return Status::Ok();
  std::string list;
  for (const auto& name : known) list += (list.empty() ? "" : ", ") + name;
  return Status::InvalidArgument("unknown architecture \"" + arch + "\"; use one of " + list);
}

Status ParseModelConfigJson(const std::string& text, const std::string& origin, ModelConfig* config) {
  json root = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object()) {
    return Status::Corruption(origin + ": not a JSON object");
  }

  if (root.contains("architecture")) {
    if (!root["architecture"].is_string()) return Status::Corruption(origin + ": \"architecture\" must be a string");
    config->arch = root["architecture"].get<std::string>();
    SMALLSET_RETURN_IF_ERROR(CheckArchitecture(config->arch).WithContext(origin));
  }
  if (root.contains("num_classes")) {
    if (!root["num_classes"].is_number_integer() || root["num_classes"].get<int>() < 1) {
      return Status::Corruption(origin + ": \"num_classes\" must be a positive integer");
    }
    config->num_classes = root["num_classes"].get<int>();
  }
  if (root.contains("padding")) {
    const json& padding = root["padding"];
    if (padding == "tf_same") {
      config->tf_same_padding = true;
    } else if (padding == "symmetric" || padding == "torch") {
      config->tf_same_padding = false;
    } else {
      return Status::Corruption(origin + ": \"padding\" must be \"tf_same\" or \"symmetric\"");
    }
  }

  SMALLSET_RETURN_IF_ERROR(ReadInputFields(root, origin, config));
  if (root.contains("pretrained_cfg") && root["pretrained_cfg"].is_object()) {
    SMALLSET_RETURN_IF_ERROR(ReadInputFields(root["pretrained_cfg"], origin, config));
  }
  return Status::Ok();
}

std::string ModelConfigToJson(const ModelConfig& config) {
  json root;
  root["architecture"] = config.arch;
  root["parameter_names"] = "torchvision";
  root["padding"] = config.tf_same_padding ? "tf_same" : "symmetric";
  root["num_classes"] = config.num_classes;
  root["input_size"] = {3, config.input_size, config.input_size};
  root["mean"] = config.mean;
  root["std"] = config.std;
  root["crop_pct"] = config.crop_pct;
  return root.dump(2) + "\n";
}

}  // namespace smallset
