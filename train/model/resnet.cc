// torchvision's ResNet (torchvision/models/resnet.py, v0.14): the same modules, names, strides
// and initialisation, so torchvision state_dicts load by name and give the same logits.
#include <array>

#include "train/model/backbone.h"

namespace smallset {

namespace {

namespace nn = torch::nn;

nn::Conv2d Conv(int in, int out, int kernel, int stride, int padding) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, kernel).stride(stride).padding(padding).bias(false));
}

nn::BatchNorm2d BatchNorm(int channels) { return nn::BatchNorm2d(nn::BatchNorm2dOptions(channels)); }

// A 1x1 conv and BatchNorm that match the shortcut to a block's output shape.
nn::Sequential Downsample(int in, int out, int stride) {
  return nn::Sequential(Conv(in, out, 1, stride, 0), BatchNorm(out));
}

// Two 3x3 convs; the stride sits on the first (resnet18, resnet34).
class BasicBlockImpl : public nn::Module {
 public:
  static constexpr int kExpansion = 1;

  BasicBlockImpl(int in, int planes, int stride)
      : conv1(register_module("conv1", Conv(in, planes, 3, stride, 1))),
        bn1(register_module("bn1", BatchNorm(planes))),
        conv2(register_module("conv2", Conv(planes, planes, 3, 1, 1))),
        bn2(register_module("bn2", BatchNorm(planes))) {
    if (stride != 1 || in != planes) downsample = register_module("downsample", Downsample(in, planes, stride));
  }

  torch::Tensor forward(torch::Tensor x) {
    torch::Tensor shortcut = downsample ? downsample->forward(x) : x;
    torch::Tensor y = bn1(conv1(x)).relu_();
    y = bn2(conv2(y));
    return (y + shortcut).relu_();
  }

  nn::Conv2d conv1;
  nn::BatchNorm2d bn1;
  nn::Conv2d conv2;
  nn::BatchNorm2d bn2;
  nn::Sequential downsample{nullptr};
};

// 1x1 reduce, 3x3 with the stride, 1x1 expand by 4 (resnet50; torchvision's "ResNet V1.5").
class BottleneckImpl : public nn::Module {
 public:
  static constexpr int kExpansion = 4;

  BottleneckImpl(int in, int planes, int stride)
      : conv1(register_module("conv1", Conv(in, planes, 1, 1, 0))),
        bn1(register_module("bn1", BatchNorm(planes))),
        conv2(register_module("conv2", Conv(planes, planes, 3, stride, 1))),
        bn2(register_module("bn2", BatchNorm(planes))),
        conv3(register_module("conv3", Conv(planes, planes * kExpansion, 1, 1, 0))),
        bn3(register_module("bn3", BatchNorm(planes * kExpansion))) {
    if (stride != 1 || in != planes * kExpansion) {
      downsample = register_module("downsample", Downsample(in, planes * kExpansion, stride));
    }
  }

  torch::Tensor forward(torch::Tensor x) {
    torch::Tensor shortcut = downsample ? downsample->forward(x) : x;
    torch::Tensor y = bn1(conv1(x)).relu_();
    y = bn2(conv2(y)).relu_();
    y = bn3(conv3(y));
    return (y + shortcut).relu_();
  }

  nn::Conv2d conv1;
  nn::BatchNorm2d bn1;
  nn::Conv2d conv2;
  nn::BatchNorm2d bn2;
  nn::Conv2d conv3;
  nn::BatchNorm2d bn3;
  nn::Sequential downsample{nullptr};
};

class ResNet : public Backbone {
 public:
  template <typename Block>
  static std::shared_ptr<ResNet> Build(const std::array<int, 4>& blocks, int num_classes) {
    auto net = std::make_shared<ResNet>();
    net->conv1 = net->register_module("conv1", Conv(3, 64, 7, 2, 3));
    net->bn1 = net->register_module("bn1", BatchNorm(64));

    int in = 64;
    const std::array<int, 4> planes = {64, 128, 256, 512};
    for (int stage = 0; stage < 4; ++stage) {
      nn::Sequential layer;
      int stride = stage == 0 ? 1 : 2;
      for (int i = 0; i < blocks[stage]; ++i) {
        layer->push_back(std::make_shared<Block>(in, planes[stage], i == 0 ? stride : 1));
        in = planes[stage] * Block::kExpansion;
      }
      net->layers[stage] = net->register_module("layer" + std::to_string(stage + 1), layer);
    }
    net->fc = net->register_module("fc", nn::Linear(in, num_classes));
    net->InitialiseLikeTorchvision();
    return net;
  }

  torch::Tensor Features(torch::Tensor x) override {
    x = bn1(conv1(x)).relu_();
    x = torch::max_pool2d(x, /*kernel_size=*/{3, 3}, /*stride=*/{2, 2}, /*padding=*/{1, 1});
    for (auto& layer : layers) x = layer->forward(x);
    return torch::adaptive_avg_pool2d(x, {1, 1}).flatten(1);
  }

  torch::Tensor Head(torch::Tensor features) override { return fc(features); }

  // The stem, layer1 and layer2 (output stride up to 8) are early.
  int LayerGroup(const std::string& name) const override {
    std::string module = name.substr(0, name.find('.'));
    if (module == "fc") return 2;
    return (module == "conv1" || module == "bn1" || module == "layer1" || module == "layer2") ? 0 : 1;
  }

 private:
  // Convs: Kaiming normal (fan_out, ReLU). BatchNorm: weight 1, bias 0. fc keeps
  // nn::Linear's default, which is also PyTorch's.
  void InitialiseLikeTorchvision() {
    torch::NoGradGuard no_grad;
    for (auto& module : modules(/*include_self=*/false)) {
      if (auto* conv = module->as<nn::Conv2d>()) {
        nn::init::kaiming_normal_(conv->weight, 0.0, torch::kFanOut, torch::kReLU);
      } else if (auto* bn = module->as<nn::BatchNorm2d>()) {
        nn::init::ones_(bn->weight);
        nn::init::zeros_(bn->bias);
      }
    }
  }

  nn::Conv2d conv1{nullptr};
  nn::BatchNorm2d bn1{nullptr};
  std::array<nn::Sequential, 4> layers{nn::Sequential(nullptr), nn::Sequential(nullptr), nn::Sequential(nullptr),
                                       nn::Sequential(nullptr)};
  nn::Linear fc{nullptr};
};

}  // namespace

Status MakeResNet(const ModelConfig& config, std::shared_ptr<Backbone>* out) {
  if (config.tf_same_padding) {
    // torchvision and timm publish ResNet weights for symmetric padding only.
    return Status::Unsupported("TensorFlow SAME padding is implemented for mobilenet_v2 only, not " + config.arch);
  }
  if (config.arch == "resnet18") {
    *out = ResNet::Build<BasicBlockImpl>({2, 2, 2, 2}, config.num_classes);
  } else if (config.arch == "resnet34") {
    *out = ResNet::Build<BasicBlockImpl>({3, 4, 6, 3}, config.num_classes);
  } else if (config.arch == "resnet50") {
    *out = ResNet::Build<BottleneckImpl>({3, 4, 6, 3}, config.num_classes);
  } else {
    return Status::InvalidArgument("not a ResNet architecture: " + config.arch);
  }
  return Status::Ok();
}

}  // namespace smallset
