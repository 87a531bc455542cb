#include "train/predictor.h"

#include <nlohmann/json.hpp>

#include "common/content_store.h"
#include "train/batch_loader.h"
#include "train/channels_last.h"
#include "train/evaluation.h"
#include "train/image_cache.h"
#include "train/model/model_config.h"

namespace smallset {

Status Predictor::Load(const std::string& run_dir, std::unique_ptr<Predictor>* out) {
  const std::string json_path = run_dir + "/model.json";
  std::string text;
  Status status = ReadFile(json_path, &text);
  if (!status.ok()) {
    return Status::NotFound("--model " + run_dir + ": cannot read " + json_path +
                            "; pass a folder that a finished train run wrote");
  }
  ModelConfig config;
  SMALLSET_RETURN_IF_ERROR(ParseModelConfigJson(text, json_path, &config));
  const nlohmann::json json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded() || !json.contains("classes") || !json["classes"].is_array()) {
    return Status::Corruption(json_path + ": \"classes\" must be an array of labels");
  }
  std::vector<std::string> classes = json["classes"].get<std::vector<std::string>>();
  if (static_cast<int>(classes.size()) != config.num_classes) {
    return Status::Corruption(json_path + ": \"classes\" has " + std::to_string(classes.size()) +
                              " labels but num_classes is " + std::to_string(config.num_classes));
  }

  Classifier model{nullptr};
  SMALLSET_RETURN_IF_ERROR(CreateClassifier(config, &model));
  SMALLSET_RETURN_IF_ERROR(LoadClassifier(run_dir + "/model.safetensors", model));
  model->eval();
  UseChannelsLast(*model);
  out->reset(new Predictor(std::move(model), std::move(classes), json.value("tta", false)));
  return Status::Ok();
}

Status Predictor::Predict(std::string_view bytes, bool tta, Prediction* out) {
  const ModelConfig& config = model_->config();
  std::vector<cv::Mat> images(1);
  SMALLSET_RETURN_IF_ERROR(DecodeForModel(bytes, PresizeShortSide(config.input_size, config.crop_pct), &images[0]));

  const InputFormat format{config.input_size, config.crop_pct, config.mean, config.std};
  BatchLoader loader(&images, {0}, format, AugmentOptions(), 1);
  const Evaluation evaluation =
      Evaluate(model_, loader, tta ? TtaViews() : std::vector<View>{View::kEval}, 1, torch::kCPU);

  auto probabilities = evaluation.probabilities.accessor<float, 2>();
  out->probabilities.clear();
  for (size_t c = 0; c < classes_.size(); ++c) out->probabilities.push_back(probabilities[0][c]);
  const int best = evaluation.predicted[0];
  out->label = classes_[best];
  out->probability = out->probabilities[best];
  return Status::Ok();
}

}  // namespace smallset
