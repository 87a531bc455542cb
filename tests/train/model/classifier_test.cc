// Backbones against reference outputs: the converted TensorFlow MobileNetV2 on a real photo,
// and every architecture against torchvision itself with random weights.
#include "train/model/classifier.h"

#include <doctest/doctest.h>

#include <set>

#include "train/model/safetensors.h"
#include "tests/support/test_support.h"

using smallset::Classifier;
using smallset::CreateClassifier;
using smallset::ModelConfig;
using smallset::ReadSafetensorsTensors;
using smallset::Status;
using smallset::testing::TempDir;

namespace {

using TensorMap = std::map<std::string, torch::Tensor>;

const std::vector<std::string> kArchitectures = {"resnet18", "resnet34", "resnet50", "mobilenet_v2"};

ModelConfig ConfigFor(const std::string& arch, int num_classes, bool tf_same = false) {
  ModelConfig config;
  config.arch = arch;
  config.num_classes = num_classes;
  config.tf_same_padding = tf_same;
  return config;
}

float MaxAbsDifference(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<float>();
}

// Writes the torchvision reference files for `archs` into `dir` with Debian's torch.
void MakeParityVectors(const std::string& dir, const std::vector<std::string>& archs) {
  std::vector<std::string> argv = {smallset::testing::SystemPython(),
                                   smallset::testing::SourceDir() + "/tests/train/model/make_parity_vectors.py", dir};
  argv.insert(argv.end(), archs.begin(), archs.end());
  auto result = smallset::testing::RunProcess(argv, 300);
  INFO("stdout: " << result.out << "\nstderr: " << result.err);
  REQUIRE(result.exit_code == 0);
}

struct ThreadSetup {
  ThreadSetup() { at::set_num_threads(2); }
} thread_setup;

// The torchvision reference files for every architecture, written once per test run.
const TempDir& ParityDir() {
  static TempDir dir;
  static bool written = false;
  if (!written) {
    MakeParityVectors(dir.path(), kArchitectures);
    written = true;
  }
  return dir;
}

bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TensorMap StateOf(Classifier& model) {
  TensorMap state;
  for (const auto& item : model->named_parameters()) state[item.key()] = item.value().detach().clone();
  for (const auto& item : model->named_buffers()) state[item.key()] = item.value().detach().clone();
  return state;
}

bool SameState(const TensorMap& a, const TensorMap& b) {
  if (a.size() != b.size()) return false;
  for (const auto& [name, tensor] : a) {
    if (b.count(name) == 0 || !torch::equal(tensor, b.at(name))) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("mobilenet_v2 reproduces the coffee test vector") {
  SMALLSET_REQUIRE_SHARED(shared);
  const std::string folder = shared + "/weights/mobilenet_v2_1.0_224_imagenet";

  Classifier model{nullptr};
  REQUIRE(CreateClassifier(ConfigFor("mobilenet_v2", 1000, /*tf_same=*/true), &model).ok());
  // The pretrained head is not part of the body, so load the whole file strictly.
  Status status = smallset::LoadClassifier(folder + "/model.safetensors", model);
  INFO(status.ToString());
  REQUIRE(status.ok());
  model->eval();

  TensorMap vector;
  REQUIRE(ReadSafetensorsTensors(folder + "/test_vector_coffee.safetensors", &vector).ok());
  torch::NoGradGuard no_grad;
  torch::Tensor logits = model->forward(vector.at("input"));
  CHECK(logits.sizes() == vector.at("logits_tf_same_padding").sizes());
  CHECK(MaxAbsDifference(logits, vector.at("logits_tf_same_padding")) < 1e-3f);
  CHECK(logits.argmax(1).item<int64_t>() == 967);
}

TEST_CASE("mobilenet_v2 with symmetric padding matches the stock logits") {
  SMALLSET_REQUIRE_SHARED(shared);
  const std::string folder = shared + "/weights/mobilenet_v2_1.0_224_imagenet";

  Classifier model{nullptr};
  REQUIRE(CreateClassifier(ConfigFor("mobilenet_v2", 1000, /*tf_same=*/false), &model).ok());
  REQUIRE(smallset::LoadClassifier(folder + "/model.safetensors", model).ok());
  model->eval();

  TensorMap vector;
  REQUIRE(ReadSafetensorsTensors(folder + "/test_vector_coffee.safetensors", &vector).ok());
  torch::NoGradGuard no_grad;
  torch::Tensor logits = model->forward(vector.at("input"));
  CHECK(MaxAbsDifference(logits, vector.at("logits_symmetric_padding")) < 1e-3f);
  CHECK(MaxAbsDifference(logits, vector.at("logits_tf_same_padding")) > 1e-2f);
}

TEST_CASE("every backbone matches torchvision") {
  const TempDir& dir = ParityDir();
  for (const std::string& arch : kArchitectures) {
    CAPTURE(arch);
    Classifier model{nullptr};
    REQUIRE(CreateClassifier(ConfigFor(arch, 3), &model).ok());
    Status status = smallset::LoadClassifier(dir / (arch + ".safetensors"), model);
    INFO(status.ToString());
    REQUIRE(status.ok());
    model->eval();

    TensorMap io;
    REQUIRE(ReadSafetensorsTensors(dir / (arch + "_io.safetensors"), &io).ok());
    torch::NoGradGuard no_grad;
    torch::Tensor features = model->Features(io.at("input"));
    torch::Tensor logits = model->Head(features);
    // Guards against a vacuous match: the reference logits must differ between samples.
    CHECK(io.at("logits").std().item<float>() > 1e-3f);
    CHECK(features.sizes() == io.at("features").sizes());
    CHECK(MaxAbsDifference(features, io.at("features")) < 1e-4f);
    CHECK(logits.sizes() == io.at("logits").sizes());
    CHECK(MaxAbsDifference(logits, io.at("logits")) < 1e-4f);
    CHECK(MaxAbsDifference(model->forward(io.at("input")), io.at("logits")) < 1e-4f);
  }
}

TEST_CASE("every backbone trains like torchvision") {
  const TempDir& dir = ParityDir();
  for (const std::string& arch : kArchitectures) {
    CAPTURE(arch);
    Classifier model{nullptr};
    REQUIRE(CreateClassifier(ConfigFor(arch, 3), &model).ok());
    REQUIRE(smallset::LoadClassifier(dir / (arch + ".safetensors"), model).ok());
    model->train();

    TensorMap io;
    REQUIRE(ReadSafetensorsTensors(dir / (arch + "_io.safetensors"), &io).ok());
    torch::Tensor features = model->Features(io.at("input"));
    CHECK(MaxAbsDifference(features.detach(), io.at("train_features")) < 1e-4f);

    features.pow(2).sum().backward();
    const std::string first_conv = arch == "mobilenet_v2" ? "features.0.0.weight" : "conv1.weight";
    torch::Tensor grad = model->named_parameters()[first_conv].grad();
    REQUIRE(grad.defined());
    const torch::Tensor& expected = io.at("train_first_conv_grad");
    CHECK(expected.abs().max().item<float>() > 1e-3f);
    // Relative to the largest gradient, because summed squares make gradients large.
    CHECK(MaxAbsDifference(grad, expected) / expected.abs().max().item<float>() < 1e-4f);
  }
}

TEST_CASE("pretrained body loads around new head") {
  Classifier model{nullptr};
  REQUIRE(CreateClassifier(ConfigFor("resnet18", 5), &model).ok());
  torch::Tensor head_before = model->named_parameters()["fc.weight"].clone();

  // The file's 3-way fc does not fit the 5-way head, but LoadPretrainedBody skips head tensors.
  Status status = smallset::LoadPretrainedBody(model, ParityDir() / "resnet18.safetensors");
  INFO(status.ToString());
  REQUIRE(status.ok());

  TensorMap file;
  REQUIRE(ReadSafetensorsTensors(ParityDir() / "resnet18.safetensors", &file).ok());
  auto parameters = model->named_parameters();
  CHECK(torch::equal(parameters["layer3.1.conv2.weight"], file.at("layer3.1.conv2.weight")));
  CHECK(torch::equal(model->named_buffers()["layer4.0.downsample.1.running_var"],
                     file.at("layer4.0.downsample.1.running_var")));
  CHECK(torch::equal(parameters["fc.weight"], head_before));
  CHECK(parameters["fc.weight"].size(0) == 5);
}

TEST_CASE("pretrained body accepts files without batch counters") {
  Classifier model{nullptr};
  REQUIRE(CreateClassifier(ConfigFor("mobilenet_v2", 2), &model).ok());
  Status status = smallset::LoadPretrainedBody(model, ParityDir() / "mobilenet_v2.safetensors");
  INFO(status.ToString());
  CHECK(status.ok());
}

TEST_CASE("weights for another architecture list names") {
  Classifier model{nullptr};
  REQUIRE(CreateClassifier(ConfigFor("resnet34", 3), &model).ok());
  TensorMap before = StateOf(model);

  Status status = smallset::LoadPretrainedBody(model, ParityDir() / "resnet18.safetensors");
  REQUIRE_FALSE(status.ok());
  CHECK(status.code() == Status::Code::kInvalidArgument);
  const std::string& message = status.message();
  CHECK(Contains(message, "resnet18.safetensors does not fit resnet34"));
  CHECK(Contains(message, "missing tensors: "));
  CHECK(Contains(message, "layer1.2.conv1.weight"));
  CHECK_FALSE(Contains(message, "num_batches_tracked"));
  CHECK(SameState(before, StateOf(model)));

  Classifier mobilenet{nullptr};
  REQUIRE(CreateClassifier(ConfigFor("mobilenet_v2", 3), &mobilenet).ok());
  status = smallset::LoadPretrainedBody(mobilenet, ParityDir() / "resnet18.safetensors");
  REQUIRE_FALSE(status.ok());
  CHECK(Contains(status.message(), "unexpected tensors: "));
  CHECK(Contains(status.message(), "layer1.0.conv1.weight"));
  CHECK(Contains(status.message(), "features.0.0.weight"));
  CHECK(Contains(status.message(), " more"));
}

TEST_CASE("weights with wrong shapes list them") {
  Classifier model{nullptr};
  REQUIRE(CreateClassifier(ConfigFor("resnet18", 5), &model).ok());
  TensorMap before = StateOf(model);

  // A strict load includes the head, whose class count differs.
  Status status = smallset::LoadClassifier(ParityDir() / "resnet18.safetensors", model);
  REQUIRE_FALSE(status.ok());
  CHECK(Contains(status.message(), "wrong shapes: "));
  CHECK(Contains(status.message(), "fc.weight is [3, 512] in the file, [5, 512] in resnet18"));
  CHECK(Contains(status.message(), "fc.bias is [3] in the file, [5] in resnet18"));
  CHECK_FALSE(Contains(status.message(), "missing"));
  CHECK(SameState(before, StateOf(model)));
}

TEST_CASE("malformed weights file gives clear error") {
  TempDir dir;
  smallset::testing::WriteTextFile(dir / "bad.safetensors", std::string("\x08\0\0\0\0\0\0\0{broken}", 16));
  Classifier model{nullptr};
  REQUIRE(CreateClassifier(ConfigFor("resnet18", 2), &model).ok());
  Status status = smallset::LoadPretrainedBody(model, dir / "bad.safetensors");
  CHECK(status.code() == Status::Code::kCorruption);
  CHECK(Contains(status.message(), dir / "bad.safetensors"));
}

TEST_CASE("saved classifier loads back exactly") {
  TempDir dir;
  Classifier model{nullptr};
  REQUIRE(CreateClassifier(ConfigFor("mobilenet_v2", 4, /*tf_same=*/true), &model).ok());
  REQUIRE(smallset::LoadPretrainedBody(model, ParityDir() / "mobilenet_v2.safetensors").ok());
  // One training-mode pass changes the BatchNorm statistics and counters that must be saved.
  torch::Tensor input = torch::randn({2, 3, 48, 48});
  model->train();
  { torch::NoGradGuard no_grad; model->forward(input); }
  model->eval();
  REQUIRE(smallset::SaveClassifier(model, dir / "model.safetensors").ok());

  Classifier loaded{nullptr};
  REQUIRE(CreateClassifier(ConfigFor("mobilenet_v2", 4, /*tf_same=*/true), &loaded).ok());
  Status status = smallset::LoadClassifier(dir / "model.safetensors", loaded);
  INFO(status.ToString());
  REQUIRE(status.ok());
  loaded->eval();
  CHECK(SameState(StateOf(model), StateOf(loaded)));
  CHECK(loaded->named_buffers()["features.0.1.num_batches_tracked"].item<int64_t>() == 1);
  torch::NoGradGuard no_grad;
  CHECK(torch::equal(model->forward(input), loaded->forward(input)));

  smallset::SafetensorsFile file;
  REQUIRE(smallset::SafetensorsFile::Open(dir / "model.safetensors", &file).ok());
  CHECK(file.metadata().at("architecture") == "mobilenet_v2");
  CHECK(file.metadata().at("padding") == "tf_same");
}

TEST_CASE("parameter groups cover every parameter once") {
  for (const std::string& arch : kArchitectures) {
    CAPTURE(arch);
    Classifier model{nullptr};
    REQUIRE(CreateClassifier(ConfigFor(arch, 3), &model).ok());
    auto groups = model->ParameterGroups();
    REQUIRE(groups.size() == 3);

    std::set<const void*> grouped;
    for (const auto& group : groups) {
      CHECK_FALSE(group.empty());
      for (const auto& tensor : group) grouped.insert(tensor.unsafeGetTensorImpl());
    }
    auto parameters = model->parameters();
    CHECK(grouped.size() == parameters.size());
    for (const auto& tensor : parameters) CHECK(grouped.count(tensor.unsafeGetTensorImpl()) == 1);
    CHECK(groups[2].size() == 2);  // the head's weight and bias
  }

  Classifier resnet{nullptr};
  REQUIRE(CreateClassifier(ConfigFor("resnet18", 3), &resnet).ok());
  auto groups = resnet->ParameterGroups();
  auto named = resnet->named_parameters();
  CHECK(groups[0][0].is_same(named["conv1.weight"]));
  CHECK(groups[2][0].is_same(named["fc.weight"]));
  bool layer3_is_later = false;
  for (const auto& tensor : groups[1]) layer3_is_later |= tensor.is_same(named["layer3.0.conv1.weight"]);
  CHECK(layer3_is_later);

  Classifier mobilenet{nullptr};
  REQUIRE(CreateClassifier(ConfigFor("mobilenet_v2", 3), &mobilenet).ok());
  CHECK(mobilenet->ParameterGroups()[2][0].is_same(mobilenet->named_parameters()["classifier.1.weight"]));
  CHECK(mobilenet->IsHeadTensor("classifier.1.bias"));
  CHECK_FALSE(mobilenet->IsHeadTensor("features.18.1.bias"));
}

TEST_CASE("frozen body gets no gradients") {
  Classifier model{nullptr};
  REQUIRE(CreateClassifier(ConfigFor("resnet18", 3), &model).ok());
  model->SetBodyFrozen(true);
  model->train();
  torch::Tensor loss = model->forward(torch::randn({2, 3, 32, 32})).sum();
  loss.backward();
  for (const auto& item : model->named_parameters()) {
    CAPTURE(item.key());
    bool head = model->IsHeadTensor(item.key());
    CHECK(item.value().requires_grad() == head);
    CHECK(item.value().grad().defined() == head);
  }

  model->SetBodyFrozen(false);
  for (const auto& parameter : model->parameters()) CHECK(parameter.requires_grad());
}

TEST_CASE("frozen batch norm stays in eval mode") {
  Classifier model{nullptr};
  REQUIRE(CreateClassifier(ConfigFor("mobilenet_v2", 3), &model).ok());
  auto buffers = model->named_buffers();
  torch::Tensor mean_before = buffers["features.3.conv.1.1.running_mean"].clone();

  model->SetBatchNormFrozen(true);
  model->train();
  CHECK(model->is_training());
  int batch_norms = 0;
  for (const auto& module : model->modules(/*include_self=*/false)) {
    if (module->as<torch::nn::BatchNorm2d>() != nullptr) {
      CHECK_FALSE(module->is_training());
      ++batch_norms;
    } else if (module->as<torch::nn::Dropout>() != nullptr) {
      CHECK(module->is_training());
    }
  }
  CHECK(batch_norms == 52);
  { torch::NoGradGuard no_grad; model->forward(torch::randn({2, 3, 32, 32})); }
  CHECK(torch::equal(buffers["features.3.conv.1.1.running_mean"], mean_before));
  CHECK(model->named_parameters()["features.3.conv.1.1.weight"].requires_grad());

  model->SetBatchNormFrozen(false);
  for (const auto& module : model->modules(/*include_self=*/false)) {
    if (module->as<torch::nn::BatchNorm2d>() != nullptr) CHECK(module->is_training());
  }
  { torch::NoGradGuard no_grad; model->forward(torch::randn({2, 3, 32, 32})); }
  CHECK_FALSE(torch::equal(buffers["features.3.conv.1.1.running_mean"], mean_before));
}

TEST_CASE("tf same padding splits the remainder") {
  torch::Tensor x = torch::ones({1, 1, 224, 224});
  torch::Tensor padded = smallset::PadTfSame(x, 3, 2);
  CHECK(padded.sizes() == torch::IntArrayRef({1, 1, 225, 225}));
  CHECK(padded[0][0][0][0].item<float>() == 1.0f);      // nothing before
  CHECK(padded[0][0][224][224].item<float>() == 0.0f);  // one after

  torch::Tensor odd = smallset::PadTfSame(torch::ones({1, 1, 225, 7}), 3, 2);
  CHECK(odd.sizes() == torch::IntArrayRef({1, 1, 227, 9}));
  CHECK(odd[0][0][0][0].item<float>() == 0.0f);
  CHECK(odd[0][0][1][1].item<float>() == 1.0f);
  CHECK(smallset::PadTfSame(torch::ones({1, 1, 8, 8}), 1, 2).size(2) == 8);
}

TEST_CASE("classifier rejects bad configs") {
  Classifier model{nullptr};
  Status status = CreateClassifier(ConfigFor("vgg16", 3), &model);
  CHECK(status.code() == Status::Code::kInvalidArgument);
  CHECK(Contains(status.message(), "resnet18, resnet34, resnet50, mobilenet_v2"));
  CHECK(CreateClassifier(ConfigFor("resnet18", 0), &model).code() == Status::Code::kInvalidArgument);
  CHECK(CreateClassifier(ConfigFor("resnet50", 3, /*tf_same=*/true), &model).code() == Status::Code::kUnsupported);
}
