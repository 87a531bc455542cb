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
  TempDir dir;
  const std::vector<std::string> archs = {"resnet18", "resnet34", "resnet50", "mobilenet_v2"};
  MakeParityVectors(dir.path(), archs);

  for (const auto& arch : archs) {
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
    CHECK(features.sizes() == io.at("features").sizes());
    CHECK(MaxAbsDifference(features, io.at("features")) < 1e-4f);
    CHECK(logits.sizes() == io.at("logits").sizes());
    CHECK(MaxAbsDifference(logits, io.at("logits")) < 1e-4f);
    CHECK(MaxAbsDifference(model->forward(io.at("input")), io.at("logits")) < 1e-4f);
  }
}
