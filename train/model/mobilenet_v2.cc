// torchvision's MobileNetV2 (torchvision/models/mobilenetv2.py, v0.14) at width 1.0: the same
// modules, names and initialisation. With tf_same_padding the five stride-2 convs pad as
// TensorFlow's SAME does, which weights converted from TensorFlow need.
#include <array>
#include <cstdlib>

#include "train/model/backbone.h"

namespace smallset {

namespace {

namespace nn = torch::nn;

// torchvision's Conv2dNormActivation: children "0" (conv, no bias) and "1" (BatchNorm),
// then ReLU6 unless `activation` is false.
class ConvBNActImpl : public nn::Module {
 public:
  ConvBNActImpl(int in, int out, int kernel, int stride, int groups, bool tf_same, bool activation = true)
      : kernel_(kernel), stride_(stride), tf_same_(tf_same && stride > 1), activation_(activation) {
    // Stride-1 convs pad symmetrically, where TensorFlow's SAME and torchvision agree.
    int padding = tf_same_ ? 0 : (kernel - 1) / 2;
    conv = register_module("0", nn::Conv2d(nn::Conv2dOptions(in, out, kernel)
                                               .stride(stride)
                                               .padding(padding)
                                               .groups(groups)
                                               .bias(false)));
    bn = register_module("1", nn::BatchNorm2d(nn::BatchNorm2dOptions(out)));
  }

  torch::Tensor forward(torch::Tensor x) {
    if (tf_same_) x = PadTfSame(x, kernel_, stride_);
    x = bn(conv(x));
    // In place, as torchvision's ReLU6(inplace=True): the BatchNorm output is not needed for backward.
    return activation_ ? torch::hardtanh_(x, 0, 6) : x;
  }

  nn::Conv2d conv{nullptr};
  nn::BatchNorm2d bn{nullptr};

 private:
  int kernel_;
  int stride_;
  bool tf_same_;
  bool activation_;
};
TORCH_MODULE(ConvBNAct);

// Expand (1x1, skipped when expand_ratio is 1), depthwise 3x3 with the stride, linear project
// (1x1 conv "conv.N" and BatchNorm "conv.N+1"), and a residual when the shapes allow it.
class InvertedResidualImpl : public nn::Module {
 public:
  InvertedResidualImpl(int in, int out, int stride, int expand_ratio, bool tf_same)
      : use_residual_(stride == 1 && in == out) {
    int hidden = in * expand_ratio;
    nn::Sequential layers;
    if (expand_ratio != 1) layers->push_back(ConvBNAct(in, hidden, 1, 1, 1, tf_same));
    layers->push_back(ConvBNAct(hidden, hidden, 3, stride, hidden, tf_same));
    layers->push_back(nn::Conv2d(nn::Conv2dOptions(hidden, out, 1).bias(false)));
    layers->push_back(nn::BatchNorm2d(nn::BatchNorm2dOptions(out)));
    conv = register_module("conv", layers);
  }

  torch::Tensor forward(torch::Tensor x) {
    torch::Tensor y = conv->forward(x);
    return use_residual_ ? x + y : y;
  }

  nn::Sequential conv{nullptr};

 private:
  bool use_residual_;
};
TORCH_MODULE(InvertedResidual);

class MobileNetV2 : public Backbone {
 public:
  MobileNetV2(int num_classes, bool tf_same) {
    // t (expansion), c (output channels), n (repeats), s (stride of the first repeat).
    const std::array<std::array<int, 4>, 7> settings = {{
        {1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2}, {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1},
    }};
    nn::Sequential layers;
    layers->push_back(ConvBNAct(3, 32, 3, 2, 1, tf_same));
    int in = 32;
    for (const auto& [t, c, n, s] : settings) {
      for (int i = 0; i < n; ++i) {
        layers->push_back(InvertedResidual(in, c, i == 0 ? s : 1, t, tf_same));
        in = c;
      }
    }
    layers->push_back(ConvBNAct(in, kLastChannels, 1, 1, 1, tf_same));
    features = register_module("features", layers);

    classifier = register_module("classifier", nn::Sequential(nn::Dropout(0.2), nn::Linear(kLastChannels, num_classes)));
    InitialiseLikeTorchvision();
  }

  torch::Tensor Features(torch::Tensor x) override {
    x = features->forward(x);
    return torch::adaptive_avg_pool2d(x, {1, 1}).flatten(1);
  }

  torch::Tensor Head(torch::Tensor features_out) override { return classifier->forward(features_out); }

  // features.0 to features.6 (output stride up to 8) are early.
  int LayerGroup(const std::string& name) const override {
    const std::string head = "classifier.";
    const std::string body = "features.";
    if (name.compare(0, head.size(), head) == 0) return 2;
    if (name.compare(0, body.size(), body) != 0) return 1;
    int index = std::atoi(name.c_str() + body.size());
    return index <= kLastEarlyFeature ? 0 : 1;
  }

  static constexpr int kLastChannels = 1280;
  static constexpr int kLastEarlyFeature = 6;

 private:
  // Convs: Kaiming normal (fan_out). BatchNorm: weight 1, bias 0. Linear: normal(0, 0.01), bias 0.
  void InitialiseLikeTorchvision() {
    torch::NoGradGuard no_grad;
    for (auto& module : modules(/*include_self=*/false)) {
      if (auto* conv = module->as<nn::Conv2d>()) {
        nn::init::kaiming_normal_(conv->weight, 0.0, torch::kFanOut);
      } else if (auto* bn = module->as<nn::BatchNorm2d>()) {
        nn::init::ones_(bn->weight);
        nn::init::zeros_(bn->bias);
      } else if (auto* linear = module->as<nn::Linear>()) {
        nn::init::normal_(linear->weight, 0, 0.01);
        nn::init::zeros_(linear->bias);
      }
    }
  }

  nn::Sequential features{nullptr};
  nn::Sequential classifier{nullptr};
};

}  // namespace

torch::Tensor PadTfSame(const torch::Tensor& x, int kernel, int stride) {
  auto total_padding = [&](int64_t n) {
    int64_t out = (n + stride - 1) / stride;
    return std::max<int64_t>((out - 1) * stride + kernel - n, 0);
  };
  int64_t pad_h = total_padding(x.size(2));
  int64_t pad_w = total_padding(x.size(3));
  if (pad_h == 0 && pad_w == 0) return x;
  return torch::constant_pad_nd(x, {pad_w / 2, pad_w - pad_w / 2, pad_h / 2, pad_h - pad_h / 2}, 0);
}

Status MakeMobileNetV2(const ModelConfig& config, std::shared_ptr<Backbone>* out) {
  *out = std::make_shared<MobileNetV2>(config.num_classes, config.tf_same_padding);
  return Status::Ok();
}

}  // namespace smallset
