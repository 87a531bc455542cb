#include "train/model/weights.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "common/content_store.h"
#include "common/log.h"
#include "common/sha256.h"
#include "train/model/atomic_file.h"
#include "train/model/download.h"
#include "train/model/safetensors.h"

namespace smallset {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr char kWeightsFile[] = "model.safetensors";
constexpr char kConfigFile[] = "config.json";

std::string WeightsHint() {
  return "pass --weights FOLDER with a folder holding model.safetensors and config.json";
}

// Reads and checks model.safetensors, returning its sha256.
Status CheckWeightsFile(const std::string& path, std::string* sha256) {
  std::string bytes;
  SMALLSET_RETURN_IF_ERROR(ReadFile(path, &bytes));
  *sha256 = Sha256Hex(bytes);
  SafetensorsFile file;
  return SafetensorsFile::Parse(std::move(bytes), path, &file);
}

// Parses `config_path` over torchvision's defaults and checks its architecture against `arch`.
Status ReadFolderConfig(const std::string& arch, const std::string& config_path, ModelConfig* config) {
  std::string text;
  SMALLSET_RETURN_IF_ERROR(ReadFile(config_path, &text));
  config->arch = "";
  config->num_classes = 1000;
  SMALLSET_RETURN_IF_ERROR(ParseModelConfigJson(text, config_path, config));
  if (config->arch.empty()) {
    if (arch.empty()) return Status::Corruption(config_path + " does not name the \"architecture\"");
    config->arch = arch;
  }
  if (!arch.empty() && config->arch != arch) {
    return Status::InvalidArgument(config_path + " describes " + config->arch + " weights, but the architecture is " +
                                   arch + "; pass --arch " + config->arch + " or other weights");
  }
  return Status::Ok();
}

Status ResolveFolder(const std::string& arch, const std::string& folder, PretrainedWeights* out) {
  if (fs::is_regular_file(folder)) {
    return Status::InvalidArgument("--weights " + folder + " is a file; pass the folder that holds it, with " +
                                   kWeightsFile + " and " + kConfigFile + " inside");
  }
  if (!fs::is_directory(folder)) {
    return Status::NotFound("weights folder " + folder + " not found; " + WeightsHint() + ", or --weights auto");
  }
  const std::string weights_path = folder + "/" + kWeightsFile;
  const std::string config_path = folder + "/" + kConfigFile;
  for (const auto& path : {weights_path, config_path}) {
    if (!fs::is_regular_file(path)) return Status::NotFound(path + " not found; " + WeightsHint());
  }
  SMALLSET_RETURN_IF_ERROR(ReadFolderConfig(arch, config_path, &out->config));
  SMALLSET_RETURN_IF_ERROR(CheckWeightsFile(weights_path, &out->sha256));
  out->safetensors_path = weights_path;
  out->source = fs::absolute(folder).lexically_normal().string();
  return Status::Ok();
}

// Uses a filled cache folder, checking the file against the sha256 recorded at download.
Status ResolveCached(const std::string& arch, const std::string& cache, PretrainedWeights* out) {
  const std::string weights_path = cache + "/" + kWeightsFile;
  const std::string config_path = cache + "/" + kConfigFile;
  SMALLSET_RETURN_IF_ERROR(ReadFolderConfig(arch, config_path, &out->config));
  std::string text;
  SMALLSET_RETURN_IF_ERROR(ReadFile(config_path, &text));
  json record = json::parse(text, nullptr, /*allow_exceptions=*/false);
  std::string recorded = record.value("sha256", "");
  SMALLSET_RETURN_IF_ERROR(CheckWeightsFile(weights_path, &out->sha256).WithContext("cached weights"));
  if (out->sha256 != recorded) {
    return Status::Corruption("cached weights " + weights_path + " have sha256 " + out->sha256 + ", but " +
                              recorded + " was recorded at download; delete " + cache + " to download them again");
  }
  out->safetensors_path = weights_path;
  out->source = record.value("source", cache);
  return Status::Ok();
}

// Fetches config.json from `folder_url`. Without one (HTTP 404), torchvision's ImageNet conventions apply.
Status DownloadConfig(const std::string& arch, const std::string& folder_url, ModelConfig* config) {
  *config = ModelConfig();
  config->arch = arch;
  config->num_classes = 1000;
  std::string text;
  Status status = DownloadToString(folder_url + "/" + kConfigFile, &text);
  if (status.code() == Status::Code::kNotFound) {
    SMALLSET_LOG_INFO("no %s at %s; using torchvision's ImageNet input settings", kConfigFile, folder_url.c_str());
    return Status::Ok();
  }
  SMALLSET_RETURN_IF_ERROR(status);
  SMALLSET_RETURN_IF_ERROR(ParseModelConfigJson(text, folder_url + "/" + kConfigFile, config));
  if (config->arch != arch) {
    return Status::Corruption(folder_url + "/" + kConfigFile + " describes " + config->arch + ", not " + arch);
  }
  return Status::Ok();
}

Status DownloadIntoCache(const std::string& arch, const std::string& folder_url, const std::string& cache,
                         PretrainedWeights* out) {
  std::error_code error;
  fs::create_directories(cache, error);
  if (error) return Status::IoError("cannot create the weights cache " + cache + ": " + error.message());

  const std::string url = folder_url + "/" + kWeightsFile;
  const std::string weights_path = cache + "/" + kWeightsFile;
  // One partial file per process, so two runs filling the same cache do not mix their bytes.
  const std::string partial_path = weights_path + ".part" + std::to_string(getpid());
  SMALLSET_LOG_INFO("downloading %s weights from %s into %s", arch.c_str(), url.c_str(), cache.c_str());
  Status status = DownloadToFile(url, partial_path, "download " + arch);
  if (status.ok()) status = CheckWeightsFile(partial_path, &out->sha256).WithContext("downloaded from " + url);
  if (status.ok()) status = DownloadConfig(arch, folder_url, &out->config);
  if (!status.ok()) {
    fs::remove(partial_path, error);
    return status;
  }

  // config.json is written before the rename, so a cache with model.safetensors always has it.
  json record = json::parse(ModelConfigToJson(out->config));
  record["sha256"] = out->sha256;
  record["source"] = url;
  SMALLSET_RETURN_IF_ERROR(WriteFileAtomically(cache + "/" + kConfigFile, record.dump(2) + "\n"));
  fs::rename(partial_path, weights_path, error);
  if (error) return Status::IoError("cannot rename " + partial_path + ": " + error.message());

  SMALLSET_LOG_INFO("stored %s weights, sha256 %s", arch.c_str(), out->sha256.c_str());
  out->safetensors_path = weights_path;
  out->source = url;
  return Status::Ok();
}

Status ResolveAuto(const std::string& arch, const std::string& base_url, PretrainedWeights* out) {
  SMALLSET_RETURN_IF_ERROR(CheckArchitecture(arch));
  const std::string cache = WeightsCacheDir(arch);
  if (cache.empty()) {
    return Status::InvalidArgument("no weights cache folder: set XDG_CACHE_HOME or HOME, or " + WeightsHint());
  }
  if (fs::is_regular_file(cache + "/" + kWeightsFile)) return ResolveCached(arch, cache, out);

  std::string folder_url;
  const char* env_url = std::getenv("SMALLSET_WEIGHTS_URL");
  std::string base = !base_url.empty() ? base_url : (env_url != nullptr ? env_url : "");
  while (!base.empty() && base.back() == '/') base.pop_back();
  folder_url = base.empty() ? DefaultWeightsUrl(arch) : base + "/" + arch;
  if (folder_url.empty()) {
    return Status::NotFound("no download is known for " + arch + " weights with torchvision's names and the cache " +
                            cache + " is empty; " + WeightsHint() + ", or set SMALLSET_WEIGHTS_URL to a server with " +
                            arch + "/model.safetensors");
  }

  Status status = DownloadIntoCache(arch, folder_url, cache, out);
  if (status.ok() || status.code() == Status::Code::kInterrupted) return status;
  return status.WithContext("cannot fill the empty weights cache " + cache).WithContext(
      "pretrained " + arch + " weights unavailable (" + WeightsHint() + " to work offline)");
}

}  // namespace

std::string WeightsCacheDir(const std::string& arch) {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  const char* home = std::getenv("HOME");
  std::string root;
  if (xdg != nullptr && xdg[0] == '/') {
    root = xdg;
  } else if (home != nullptr && home[0] != '\0') {
    root = std::string(home) + "/.cache";
  } else {
    return "";
  }
  return root + "/smallset/weights/" + arch;
}

std::string DefaultWeightsUrl(const std::string& arch) {
  // timm republishes torchvision's own ResNet ImageNet weights (tag tv_in1k) as safetensors,
  // and timm's ResNet uses torchvision's tensor names.
  if (arch == "resnet18" || arch == "resnet34" || arch == "resnet50") {
    return "https://huggingface.co/timm/" + arch + ".tv_in1k/resolve/main";
  }
  // NOTE: none for mobilenet_v2. torchvision publishes its MobileNetV2 weights only as a
  // pickled .pth file, which needs Python to unpickle, and timm's MobileNetV2 checkpoints use
  // timm's names (conv_stem, blocks.*), not torchvision's. A weights folder (such as one
  // converted from TensorFlow) or SMALLSET_WEIGHTS_URL provides them instead.
  return "";
}

std::string DefaultArchitecture(const std::string& weights_option) {
  if (weights_option == "auto" || weights_option == "none") return "resnet18";
  const std::string config_path = weights_option + "/" + kConfigFile;
  std::string text;
  if (!ReadFile(config_path, &text).ok()) return "";
  ModelConfig config;
  config.arch = "";
  if (!ParseModelConfigJson(text, config_path, &config).ok()) return "";
  return config.arch;
}

Status ResolvePretrainedWeights(const std::string& arch, const std::string& option, const std::string& base_url,
                                PretrainedWeights* out) {
  *out = PretrainedWeights();
  if (option == "auto") return ResolveAuto(arch, base_url, out);
  if (!arch.empty()) SMALLSET_RETURN_IF_ERROR(CheckArchitecture(arch));
  if (option.empty()) return Status::InvalidArgument("empty weights option; " + WeightsHint() + ", or --weights auto");
  return ResolveFolder(arch, option, out);
}

}  // namespace smallset
