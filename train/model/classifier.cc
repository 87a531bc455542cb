#include "train/model/classifier.h"

namespace smallset {

ClassifierImpl::ClassifierImpl(const ModelConfig& config, std::shared_ptr<Backbone> backbone)
    : config_(config), backbone_(std::move(backbone)) {
  // Registering the backbone's children here, not the backbone itself, keeps torchvision's
  // names free of a prefix. The backbone shares these modules and runs the forward pass.
  for (const auto& child : backbone_->named_children()) register_module(child.key(), child.value());
}

torch::Tensor ClassifierImpl::forward(torch::Tensor x) { return Head(Features(x)); }

torch::Tensor ClassifierImpl::Features(torch::Tensor x) { return backbone_->Features(x); }

torch::Tensor ClassifierImpl::Head(torch::Tensor features) { return backbone_->Head(features); }

bool ClassifierImpl::IsHeadTensor(const std::string& name) const { return backbone_->LayerGroup(name) == 2; }

std::vector<std::vector<torch::Tensor>> ClassifierImpl::ParameterGroups() {
  std::vector<std::vector<torch::Tensor>> groups(3);
  for (const auto& parameter : named_parameters()) {
    groups[backbone_->LayerGroup(parameter.key())].push_back(parameter.value());
  }
  return groups;
}

void ClassifierImpl::SetBodyFrozen(bool frozen) {
  for (auto& parameter : named_parameters()) {
    if (!IsHeadTensor(parameter.key())) parameter.value().set_requires_grad(!frozen);
  }
}

void ClassifierImpl::SetBatchNormFrozen(bool frozen) {
  batch_norm_frozen_ = frozen;
  train(is_training());
}

void ClassifierImpl::train(bool on) {
  torch::nn::Module::train(on);
  if (!on || !batch_norm_frozen_) return;
  for (auto& module : modules(/*include_self=*/false)) {
    if (auto* bn = module->as<torch::nn::BatchNorm2d>()) bn->eval();
  }
}

Status CreateClassifier(const ModelConfig& config, Classifier* out) {
  SMALLSET_RETURN_IF_ERROR(CheckArchitecture(config.arch));
  if (config.num_classes < 1) {
    return Status::InvalidArgument("num_classes must be at least 1, not " + std::to_string(config.num_classes));
  }

  std::shared_ptr<Backbone> backbone;
  if (config.arch == "mobilenet_v2") {
    SMALLSET_RETURN_IF_ERROR(MakeMobileNetV2(config, &backbone));
  } else {
    SMALLSET_RETURN_IF_ERROR(MakeResNet(config, &backbone));
  }
  *out = Classifier(config, std::move(backbone));
  return Status::Ok();
}

}  // namespace smallset
