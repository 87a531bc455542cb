// Classifier: an image classification network (backbone + new head) whose parameter and buffer
// names equal torchvision's state_dict for the same architecture ("layer1.0.conv1.weight",
// "features.0.0.weight", "fc.weight", "classifier.1.weight"), so torchvision weights load by name.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "common/status.h"
#include "train/model/backbone.h"
#include "train/model/model_config.h"

namespace smallset {

class ClassifierImpl : public torch::nn::Module {
 public:
  // Use CreateClassifier, which validates `config`.
  ClassifierImpl(const ModelConfig& config, std::shared_ptr<Backbone> backbone);

  torch::Tensor forward(torch::Tensor x);          // logits [N, num_classes]
  torch::Tensor Features(torch::Tensor x);         // pooled backbone output [N, F], before dropout and the head
  torch::Tensor Head(torch::Tensor features);      // logits from Features()

  // Layer groups for differential learning rates: [0] early layers, [1] later layers, [2] head.
  // Early layers are those at an output stride of at most 8 (ResNet stem, layer1, layer2;
  // MobileNetV2 features.0 to features.6). Every parameter is in exactly one group.
  std::vector<std::vector<torch::Tensor>> ParameterGroups();

  void SetBodyFrozen(bool frozen);                 // requires_grad on every body parameter
  // When true, BatchNorm layers stay in eval mode (running stats fixed, affine params still
  // trainable unless the body is frozen) even after train().
  void SetBatchNormFrozen(bool frozen);
  bool batch_norm_frozen() const { return batch_norm_frozen_; }

  void train(bool on = true) override;             // respects SetBatchNormFrozen

  const ModelConfig& config() const { return config_; }

  // True for the names of the new head's parameters ("fc.weight", "classifier.1.bias").
  bool IsHeadTensor(const std::string& name) const;

 private:
  ModelConfig config_;
  std::shared_ptr<Backbone> backbone_;  // its children are registered on this module by name
  bool batch_norm_frozen_ = false;
};
TORCH_MODULE(Classifier);

// Builds `config.arch` with random initialisation as torchvision does.
Status CreateClassifier(const ModelConfig& config, Classifier* out);

// Loads every backbone tensor from a torchvision-named safetensors file, leaving the new head as
// initialised. Head tensors in the file (an ImageNet classifier, say) are ignored, and so are
// missing num_batches_tracked buffers. On a mismatch the error lists missing and unexpected
// tensor names and wrong shapes, and the model is left unchanged.
Status LoadPretrainedBody(Classifier& model, const std::string& safetensors_path);

// Writes every parameter and buffer (head and BatchNorm statistics included) as safetensors.
Status SaveClassifier(Classifier& model, const std::string& safetensors_path);

// Loads a file written by SaveClassifier. Strict: every name must match with its shape, except
// that num_batches_tracked buffers may be absent.
Status LoadClassifier(const std::string& safetensors_path, Classifier& model);

// Reads every tensor of a safetensors file as a CPU torch::Tensor of the file's dtype.
Status ReadSafetensorsTensors(const std::string& safetensors_path, std::map<std::string, torch::Tensor>* out);

}  // namespace smallset
