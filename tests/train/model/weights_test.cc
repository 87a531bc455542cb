// Pretrained weights from a folder and through `--weights auto`, with downloads served by a
// local HTTP server on 127.0.0.1.
#include "train/model/weights.h"

#include <doctest/doctest.h>

#include <httplib.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/content_store.h"
#include "common/sha256.h"
#include "train/model/safetensors.h"
#include "tests/support/test_support.h"

using smallset::PretrainedWeights;
using smallset::ResolvePretrainedWeights;
using smallset::Status;
using smallset::testing::TempDir;

namespace {

bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// A small valid safetensors file standing in for published weights.
std::string TinyWeights(float value) {
  TempDir dir;
  std::string data(8, '\0');
  std::memcpy(data.data(), &value, sizeof(float));
  std::memcpy(data.data() + 4, &value, sizeof(float));
  REQUIRE(smallset::WriteSafetensors(dir / "w.safetensors", {{"fc.bias", "F32", {2}, data}}).ok());
  std::string bytes;
  REQUIRE(smallset::ReadFile(dir / "w.safetensors", &bytes).ok());
  return bytes;
}

// timm's config.json layout, as published beside timm's safetensors weights.
const char kTimmConfig[] = R"({
  "architecture": "resnet18", "num_classes": 1000, "num_features": 512,
  "pretrained_cfg": {"tag": "tv_in1k", "input_size": [3, 256, 256], "interpolation": "bilinear",
                     "crop_pct": 0.95, "mean": [0.4, 0.5, 0.6], "std": [0.2, 0.25, 0.3]}})";

using Files = std::map<std::string, std::string>;

// An HTTP server on 127.0.0.1 serving fixed files, counting requests per path.
class FileServer {
 public:
  explicit FileServer(std::map<std::string, std::string> files) : files_(std::move(files)) {
    server_.Get(".*", [this](const httplib::Request& request, httplib::Response& response) {
      ++requests_[request.path];
      auto it = files_.find(request.path);
      if (it == files_.end()) {
        response.status = 404;
        return;
      }
      response.set_content(it->second, "application/octet-stream");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    REQUIRE(port_ > 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() does nothing before the accept loop runs, so wait for it.
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~FileServer() { Stop(); }

  void Stop() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int requests(const std::string& path) { return requests_[path]; }

 private:
  std::map<std::string, std::string> files_;
  std::map<std::string, int> requests_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

// Points the weights cache at a fresh folder for one test.
class CacheHome {
 public:
  CacheHome() {
    setenv("XDG_CACHE_HOME", dir_.path().c_str(), 1);
    unsetenv("SMALLSET_WEIGHTS_URL");
  }
  ~CacheHome() { unsetenv("XDG_CACHE_HOME"); }
  std::string CacheOf(const std::string& arch) const { return dir_ / ("smallset/weights/" + arch); }

 private:
  TempDir dir_;
};

}  // namespace

TEST_CASE("weights cache follows XDG_CACHE_HOME") {
  CacheHome home;
  CHECK(smallset::WeightsCacheDir("resnet18") == home.CacheOf("resnet18"));
  CHECK(Contains(smallset::DefaultWeightsUrl("resnet18"), "timm/resnet18.tv_in1k"));
  CHECK(Contains(smallset::DefaultWeightsUrl("resnet50"), "timm/resnet50.tv_in1k"));
}

TEST_CASE("weights auto downloads into cache") {
  CacheHome home;
  const std::string weights = TinyWeights(1.5f);
  FileServer server(Files{{"/resnet18/model.safetensors", weights}, {"/resnet18/config.json", kTimmConfig}});

  PretrainedWeights resolved;
  Status status = ResolvePretrainedWeights("resnet18", "auto", server.url(), &resolved);
  INFO(status.ToString());
  REQUIRE(status.ok());
  const std::string cache = home.CacheOf("resnet18");
  CHECK(resolved.safetensors_path == cache + "/model.safetensors");
  CHECK(resolved.sha256 == smallset::Sha256Hex(weights));
  CHECK(resolved.source == server.url() + "/resnet18/model.safetensors");
  CHECK(resolved.config.arch == "resnet18");
  CHECK(resolved.config.input_size == 256);
  CHECK(resolved.config.crop_pct == doctest::Approx(0.95));
  CHECK(resolved.config.mean[2] == doctest::Approx(0.6));
  CHECK(resolved.config.std[0] == doctest::Approx(0.2));
  CHECK_FALSE(resolved.config.tf_same_padding);

  std::string cached;
  REQUIRE(smallset::ReadFile(cache + "/model.safetensors", &cached).ok());
  CHECK(cached == weights);
  for (const auto& entry : std::filesystem::directory_iterator(cache)) {
    CHECK((entry.path().filename() == "model.safetensors" || entry.path().filename() == "config.json"));
  }
  auto record = nlohmann::json::parse(smallset::testing::ReadTextFile(cache + "/config.json"));
  CHECK(record["sha256"] == smallset::Sha256Hex(weights));
  CHECK(record["source"] == resolved.source);
  CHECK(record["architecture"] == "resnet18");

  // A filled cache needs no server.
  server.Stop();
  PretrainedWeights again;
  status = ResolvePretrainedWeights("resnet18", "auto", server.url(), &again);
  INFO(status.ToString());
  REQUIRE(status.ok());
  CHECK(again.sha256 == resolved.sha256);
  CHECK(again.source == resolved.source);
  CHECK(again.config.input_size == 256);
  CHECK(server.requests("/resnet18/model.safetensors") == 1);
}

TEST_CASE("weights auto reads SMALLSET_WEIGHTS_URL") {
  CacheHome home;
  FileServer server(Files{{"/resnet34/model.safetensors", TinyWeights(2.0f)}});
  setenv("SMALLSET_WEIGHTS_URL", (server.url() + "/").c_str(), 1);

  PretrainedWeights resolved;
  Status status = ResolvePretrainedWeights("resnet34", "auto", "", &resolved);
  unsetenv("SMALLSET_WEIGHTS_URL");
  INFO(status.ToString());
  REQUIRE(status.ok());
  CHECK(server.requests("/resnet34/model.safetensors") == 1);
  // Without config.json the download uses torchvision's ImageNet conventions.
  CHECK(server.requests("/resnet34/config.json") == 1);
  CHECK(resolved.config.arch == "resnet34");
  CHECK(resolved.config.input_size == 224);
  CHECK(resolved.config.mean[0] == doctest::Approx(0.485));
  CHECK(smallset::testing::FileExists(home.CacheOf("resnet34") + "/model.safetensors"));
}

TEST_CASE("weights auto offline with empty cache") {
  CacheHome home;
  std::string closed_url;
  {
    FileServer server(Files{});
    closed_url = server.url();
  }
  PretrainedWeights resolved;
  Status status = ResolvePretrainedWeights("resnet18", "auto", closed_url, &resolved);
  REQUIRE_FALSE(status.ok());
  CHECK(Contains(status.message(), "--weights FOLDER"));
  CHECK(Contains(status.message(), home.CacheOf("resnet18")));
  CHECK(Contains(status.message(), closed_url + "/resnet18/model.safetensors"));
  CHECK_FALSE(smallset::testing::FileExists(home.CacheOf("resnet18") + "/model.safetensors"));
}

TEST_CASE("weights auto without a known URL") {
  CacheHome home;
  CHECK(smallset::DefaultWeightsUrl("mobilenet_v2").empty());
  PretrainedWeights resolved;
  Status status = ResolvePretrainedWeights("mobilenet_v2", "auto", "", &resolved);
  REQUIRE_FALSE(status.ok());
  CHECK(Contains(status.message(), "--weights FOLDER"));
  CHECK(Contains(status.message(), "SMALLSET_WEIGHTS_URL"));
}

TEST_CASE("weights auto rejects bad downloads") {
  CacheHome home;
  FileServer server(Files{{"/resnet50/model.safetensors", "<html>rate limited</html>"}});

  PretrainedWeights resolved;
  Status status = ResolvePretrainedWeights("resnet50", "auto", server.url(), &resolved);
  REQUIRE_FALSE(status.ok());
  CHECK(Contains(status.message(), "downloaded from " + server.url() + "/resnet50/model.safetensors"));
  CHECK_FALSE(smallset::testing::FileExists(home.CacheOf("resnet50") + "/model.safetensors"));
  CHECK(std::filesystem::is_empty(home.CacheOf("resnet50")));

  status = ResolvePretrainedWeights("resnet34", "auto", server.url(), &resolved);
  REQUIRE_FALSE(status.ok());
  CHECK(Contains(status.message(), "HTTP 404"));
}

TEST_CASE("weights auto detects a changed cache") {
  CacheHome home;
  FileServer server(Files{{"/resnet18/model.safetensors", TinyWeights(1.0f)}});
  PretrainedWeights resolved;
  REQUIRE(ResolvePretrainedWeights("resnet18", "auto", server.url(), &resolved).ok());

  smallset::testing::WriteTextFile(resolved.safetensors_path, TinyWeights(3.0f));
  Status status = ResolvePretrainedWeights("resnet18", "auto", server.url(), &resolved);
  REQUIRE_FALSE(status.ok());
  CHECK(status.code() == Status::Code::kCorruption);
  CHECK(Contains(status.message(), "was recorded at download"));
}

TEST_CASE("weights folder reads config") {
  SMALLSET_REQUIRE_SHARED(shared);
  const std::string folder = shared + "/weights/mobilenet_v2_1.0_224_imagenet";
  PretrainedWeights resolved;
  Status status = ResolvePretrainedWeights("mobilenet_v2", folder, "", &resolved);
  INFO(status.ToString());
  REQUIRE(status.ok());
  CHECK(resolved.safetensors_path == folder + "/model.safetensors");
  CHECK(resolved.sha256 == "62c097b74491d863b12b7761e68a4237992bc6b08201867380aaa9d1e66cbe99");
  CHECK(resolved.config.arch == "mobilenet_v2");
  CHECK(resolved.config.tf_same_padding);
  CHECK(resolved.config.num_classes == 1000);
  CHECK(resolved.config.input_size == 224);
  CHECK(resolved.config.mean[1] == doctest::Approx(0.5));
  CHECK(resolved.config.std[2] == doctest::Approx(0.5));
  CHECK(resolved.config.crop_pct == doctest::Approx(0.875));

  PretrainedWeights any_arch;
  REQUIRE(ResolvePretrainedWeights("", folder, "", &any_arch).ok());
  CHECK(any_arch.config.arch == "mobilenet_v2");

  status = ResolvePretrainedWeights("resnet18", folder, "", &resolved);
  REQUIRE_FALSE(status.ok());
  CHECK(Contains(status.message(), "--arch mobilenet_v2"));
}

TEST_CASE("default architecture follows weights") {
  CHECK(smallset::DefaultArchitecture("auto") == "resnet18");
  CHECK(smallset::DefaultArchitecture("none") == "resnet18");

  TempDir dir;
  CHECK(smallset::DefaultArchitecture(dir / "absent") == "");
  smallset::testing::WriteTextFile(dir / "config.json", R"({"architecture": "resnet50"})");
  CHECK(smallset::DefaultArchitecture(dir.path()) == "resnet50");
  smallset::testing::WriteTextFile(dir / "config.json", R"({"input_size": 224})");
  CHECK(smallset::DefaultArchitecture(dir.path()) == "");
}

TEST_CASE("weights folder errors name the fix") {
  TempDir dir;
  PretrainedWeights resolved;
  Status status = ResolvePretrainedWeights("resnet18", dir / "absent", "", &resolved);
  CHECK(status.code() == Status::Code::kNotFound);
  CHECK(Contains(status.message(), dir / "absent"));

  status = ResolvePretrainedWeights("resnet18", dir.path(), "", &resolved);
  CHECK(status.code() == Status::Code::kNotFound);
  CHECK(Contains(status.message(), "model.safetensors not found"));

  smallset::testing::WriteTextFile(dir / "model.safetensors", "truncated");
  smallset::testing::WriteTextFile(dir / "config.json", R"({"architecture": "resnet18"})");
  status = ResolvePretrainedWeights("resnet18", dir.path(), "", &resolved);
  CHECK(status.code() == Status::Code::kCorruption);
  CHECK(Contains(status.message(), dir / "model.safetensors"));

  status = ResolvePretrainedWeights("resnet18", dir / "model.safetensors", "", &resolved);
  CHECK(status.code() == Status::Code::kInvalidArgument);
  CHECK(Contains(status.message(), "is a file; pass the folder"));

  smallset::testing::WriteTextFile(dir / "model.safetensors", TinyWeights(1.0f));
  smallset::testing::WriteTextFile(dir / "config.json", R"({"architecture": "vgg16"})");
  status = ResolvePretrainedWeights("resnet18", dir.path(), "", &resolved);
  CHECK_FALSE(status.ok());
  CHECK(Contains(status.message(), "unknown architecture \"vgg16\""));

  smallset::testing::WriteTextFile(dir / "config.json", R"({"architecture": "resnet18", "padding": "valid"})");
  status = ResolvePretrainedWeights("resnet18", dir.path(), "", &resolved);
  CHECK(Contains(status.message(), "\"padding\" must be"));

  smallset::testing::WriteTextFile(dir / "config.json", R"({"architecture": "resnet18", "mean": [0.5]})");
  status = ResolvePretrainedWeights("resnet18", dir.path(), "", &resolved);
  CHECK(Contains(status.message(), "\"mean\" must be an array of 3 numbers"));

  CHECK(ResolvePretrainedWeights("alexnet", "auto", "", &resolved).code() == Status::Code::kInvalidArgument);
}
