// train: fine-tunes an ImageNet-pretrained CNN on the split that curate recorded in the
// manifest, evaluates it on the validation split and writes runs/NAME.
#include <malloc.h>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <thread>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "common/cli_options.h"
#include "common/clock.h"
#include "common/exit_code.h"
#include "common/interrupt.h"
#include "common/log.h"
#include "train/classification_metrics.h"
#include "train/model/model_config.h"
#include "train/model/weights.h"
#include "train/train_run.h"

namespace smallset {
namespace {

namespace fs = std::filesystem;

Status ParseLearningRates(const std::string& text, std::array<double, 3>* lrs) {
  const Status invalid = Status::InvalidArgument(
      "--lrs " + text +
      ": expected three positive learning rates for early layers, later layers and head, separated by commas "
      "(for example 1e-5,1e-4,1e-3)");
  std::array<double, 3> values{};
  size_t start = 0;
  for (int i = 0; i < 3; ++i) {
    const size_t comma = text.find(',', start);
    const bool last = i == 2;
    if (last != (comma == std::string::npos)) return invalid;
    const std::string item = text.substr(start, last ? std::string::npos : comma - start);
    char* end = nullptr;
    values[i] = std::strtod(item.c_str(), &end);
    if (item.empty() || *end != '\0' || !(values[i] > 0)) return invalid;
    start = comma + 1;
  }
  *lrs = values;
  return Status::Ok();
}

// runs/<arch>-<UTC time> beside the manifest.
std::string DefaultRunDirectory(const std::string& manifest_path, const std::string& arch) {
  std::string time = NowUtcIso8601();
  time.erase(std::remove_if(time.begin(), time.end(), [](char c) { return c == '-' || c == ':'; }), time.end());
  const fs::path base = fs::path(manifest_path).parent_path();
  return (base / "runs" / ((arch.empty() ? "run" : arch) + "-" + time)).string();
}

// Keeps freed activation memory in the heap for the next batch. With glibc's defaults each
// training step returns its large buffers to the kernel and faults them in again: a
// MobileNetV2 step on 32x3x160x160 took 1.25 million minor page faults and 2.0 s of system
// time per 6 steps, 0.5 million and 0.8 s with these settings. Tensors over 32 MiB (the
// largest threshold glibc allows) are still mapped per allocation.
void TuneAllocator() {
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
}

int ExitCodeFor(const Status& status) {
  if (status.code() == Status::Code::kInterrupted) return kExitInterrupted;
  return status.code() == Status::Code::kInvalidArgument ? kExitUsage : kExitFailure;
}

nlohmann::json ResultJson(const RunResult& result, uint64_t seed) {
  nlohmann::json json = RunSummaryToJson(result.summary);
  json["run_id"] = result.run_id;
  json["out"] = result.out_dir;
  json["seed"] = seed;
  return json;
}

int Main(int argc, char** argv) {
  CLI::App app{"Fine-tunes an ImageNet-pretrained CNN on the manifest's train split and evaluates it on the "
               "validation split. Writes runs/NAME/ (model.safetensors, model.json, metrics.csv, report.html) and "
               "records the run in the manifest."};
  CommonOptions common;
  AddCommonOptions(app, &common);
  TrainOptions options;
  std::string lrs_text = "1e-5,1e-4,1e-3";
  std::string out, resume;
  int repeat = 1;
  bool json = false, freeze_bn = false, train_bn = false, no_augment = false;

  app.add_option("--arch", options.arch,
                 "Backbone: resnet18, resnet34, resnet50 or mobilenet_v2 (default: the one the --weights folder "
                 "names, else resnet18)");
  app.add_option("--weights", options.weights,
                 "Pretrained weights: a folder with model.safetensors and config.json; auto (the cache "
                 "$XDG_CACHE_HOME/smallset/weights/ARCH, downloaded when empty); or none (random initialisation)")
      ->capture_default_str();
  app.add_option("--weights-url", options.weights_base_url, "Base URL that --weights auto downloads from");
  app.add_option("--size", options.size,
                 "Network input side in pixels. 224, the native size of ImageNet weights, needs about twice the "
                 "compute of 160 and 3 GB of memory instead of 1.8 GB (docs/benchmarks.md)")
      ->capture_default_str()
      ->check(CLI::Range(32, 1024));
  app.add_option("--batch", options.batch, "Images per batch")->capture_default_str()->check(CLI::Range(1, 4096));
  app.add_option("--epochs-frozen", options.epochs_frozen, "Epochs of phase 1 (head only, body frozen)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000));
  app.add_option("--epochs", options.epochs, "Epochs of phase 2 (whole network)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000));
  app.add_option("--lr", options.lr, "Peak learning rate of phase 1 (one-cycle)")->capture_default_str();
  app.add_option("--lrs", lrs_text, "Peak learning rates of phase 2 for early layers, later layers, head")
      ->capture_default_str();
  app.add_option("--weight-decay", options.weight_decay, "AdamW weight decay")->capture_default_str();
  app.add_flag("--no-augment", no_augment, "Train on the evaluation view only (no crop, flip, rotation, colour)");
  app.add_flag("--freeze-bn", freeze_bn,
               "Keep BatchNorm statistics fixed while training. This is the default: on about 135 photos per "
               "class it matched --train-bn in accuracy, and it keeps the pretrained statistics exact");
  app.add_flag("--train-bn", train_bn, "Update BatchNorm statistics from each batch while training");
  app.add_flag("--tta", options.tta, "Make predict use test-time augmentation by default for this model");
  app.add_flag("--lr-find", options.lr_find,
               "Before training, sweep the learning rate from 1e-7 to 10 over ~100 batches, write lr_find.csv and "
               "lr_find.svg and print a suggested --lr");
  app.add_option("--repeat", repeat, "Train K times with seeds S..S+K-1 and print mean and standard deviation")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  app.add_option("--seed", options.seed, "Seed of the head initialisation, shuffling, augmentation and dropout")
      ->capture_default_str();
  app.add_option("--out", out, "Output folder runs/NAME (default: runs/ARCH-TIME beside the manifest)");
  app.add_option("--resume", resume, "Continue the run in this folder from its last finished epoch");
  app.add_option("--threads", options.threads, "CPU threads for LibTorch and image work (default: every core)")
      ->check(CLI::Range(1, 1024));
  app.add_option("--device", options.device, "cpu, or cuda when built against a CUDA LibTorch")
      ->capture_default_str();
  app.add_flag("--json", json, "Print the final summary as one JSON object on stdout");
  if (int exit_code = ParseCommandLine(app, argc, argv); exit_code >= 0) return exit_code;
  ApplyCommonOptions(common);
  InstallInterruptHandlers();
  TuneAllocator();

  Status status = ParseLearningRates(lrs_text, &options.lrs);
  if (status.ok() && train_bn && freeze_bn) {
    status = Status::InvalidArgument("--freeze-bn and --train-bn exclude each other; pass one");
  }
  if (status.ok() && !resume.empty() && !out.empty()) {
    status = Status::InvalidArgument("--resume names the run folder already; drop --out");
  }
  if (!status.ok()) {
    SMALLSET_LOG_ERROR("%s", status.message().c_str());
    return kExitUsage;
  }
  options.freeze_bn = !train_bn;
  options.augment = !no_augment;
  const int threads = options.threads > 0 ? options.threads : static_cast<int>(std::thread::hardware_concurrency());
  at::set_num_threads(std::max(1, threads));

  RunRequest request;
  request.options = options;
  request.manifest_path = common.manifest;
  if (!resume.empty()) {
    request.resume = true;
    request.out_dir = resume;
    TrainOptions stored;
    status = ReadRunOptions(resume, &stored, &request.manifest_path);
    if (!status.ok()) {
      SMALLSET_LOG_ERROR("%s", status.message().c_str());
      return ExitCodeFor(status);
    }
    repeat = 1;
  }
  if (options.arch.empty()) options.arch = DefaultArchitecture(options.weights);
  request.options.arch = options.arch;
  if (out.empty() && resume.empty()) out = DefaultRunDirectory(request.manifest_path, options.arch);

  std::vector<double> accuracies;
  nlohmann::json runs = nlohmann::json::array();
  for (int k = 0; k < repeat; ++k) {
    request.options.seed = options.seed + k;
    if (!request.resume) {
      request.out_dir = repeat > 1 ? out + "/seed-" + std::to_string(request.options.seed) : out;
    }
    RunResult result;
    status = RunTraining(request, json, &result);
    if (!status.ok()) {
      SMALLSET_LOG_ERROR("%s", status.message().c_str());
      if (status.code() == Status::Code::kInterrupted) {
        SMALLSET_LOG_ERROR("continue with: train --resume %s", request.out_dir.c_str());
      }
      return ExitCodeFor(status);
    }
    accuracies.push_back(result.summary.accuracy);
    runs.push_back(ResultJson(result, request.options.seed));
    if (!json) {
      std::printf("%s", FormatSummary(result.summary).c_str());
      std::printf("run %lld written to %s\n", static_cast<long long>(result.run_id), result.out_dir.c_str());
    }
  }

  const MeanAndDeviation spread = ComputeMeanAndDeviation(accuracies);
  if (json) {
    nlohmann::json summary = repeat == 1 ? runs[0] : nlohmann::json{{"runs", runs}};
    summary["accuracy_mean"] = spread.mean;
    summary["accuracy_sd"] = spread.standard_deviation;
    std::printf("%s\n", summary.dump().c_str());
  } else if (repeat > 1) {
    for (size_t k = 0; k < accuracies.size(); ++k) {
      std::printf("seed %llu: accuracy %.4f\n", static_cast<unsigned long long>(options.seed + k), accuracies[k]);
    }
    std::printf("accuracy over %d seeds: mean %.4f, sd %.4f\n", repeat, spread.mean, spread.standard_deviation);
  }
  return kExitOk;
}

}  // namespace
}  // namespace smallset

int main(int argc, char** argv) { return smallset::Main(argc, argv); }
