// Backbone: the architecture-specific modules of a Classifier, with torchvision's names.
// A Classifier registers the backbone's children on itself, so names carry no extra prefix.
#pragma once

#include <memory>
#include <string>

#include <torch/torch.h>

#include "common/status.h"
#include "train/model/model_config.h"

namespace smallset {

class Backbone : public torch::nn::Module {
 public:
  // Pooled features [N, F] before dropout and the head.
  virtual torch::Tensor Features(torch::Tensor x) = 0;
  // Logits [N, num_classes] from Features().
  virtual torch::Tensor Head(torch::Tensor features) = 0;
  // Layer group of a parameter or buffer name: 0 early layers, 1 later layers, 2 head.
  virtual int LayerGroup(const std::string& name) const = 0;
};

// torchvision's resnet18, resnet34 (BasicBlock) and resnet50 (Bottleneck, stride on the 3x3 conv).
Status MakeResNet(const ModelConfig& config, std::shared_ptr<Backbone>* out);

// torchvision's mobilenet_v2 at width 1.0, optionally with TensorFlow SAME padding.
Status MakeMobileNetV2(const ModelConfig& config, std::shared_ptr<Backbone>* out);

// Pads `x` as TensorFlow's SAME padding does before a conv with padding 0: for an input side n
// the total is max((ceil(n / stride) - 1) * stride + kernel - n, 0), with the smaller half
// before (top, left) and the rest after (bottom, right).
torch::Tensor PadTfSame(const torch::Tensor& x, int kernel, int stride);

}  // namespace smallset
