// A trained model loaded from runs/NAME for prediction.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "train/model/classifier.h"

namespace smallset {

struct Prediction {
  std::string label;
  double probability = 0;
  std::vector<double> probabilities;  // per class, in the model's class order
};

class Predictor {
 public:
  // Reads run_dir/model.json and run_dir/model.safetensors.
  static Status Load(const std::string& run_dir, std::unique_ptr<Predictor>* out);

  // Decodes `bytes` as curate does and classifies the picture; with `tta` the probabilities
  // are averaged over the test-time augmentation views.
  Status Predict(std::string_view bytes, bool tta, Prediction* out);

  const std::vector<std::string>& classes() const { return classes_; }
  bool tta_default() const { return tta_default_; }

 private:
  Predictor(Classifier model, std::vector<std::string> classes, bool tta_default)
      : model_(std::move(model)), classes_(std::move(classes)), tta_default_(tta_default) {}

  Classifier model_;
  std::vector<std::string> classes_;
  bool tta_default_;
};

}  // namespace smallset
