#include "train/train_run.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <numeric>
#include <thread>

#include <torch/torch.h>

#include "common/clock.h"
#include "common/content_store.h"
#include "common/log.h"
#include "common/manifest.h"
#include "train/augment.h"
#include "train/batch_loader.h"
#include "train/channels_last.h"
#include "train/evaluation.h"
#include "train/image_cache.h"
#include "train/lr_finder.h"
#include "train/model/classifier.h"
#include "train/model/weights.h"
#include "train/report.h"
#include "train/run_record.h"
#include "train/split_reader.h"
#include "train/trainer.h"

namespace smallset {
namespace {

namespace fs = std::filesystem;

constexpr const char* kRunFile = "run.json";              // how the run was started, for --resume
constexpr const char* kCheckpointFile = "checkpoint.pt";  // removed once the run finishes
constexpr int kTopLosses = 8;

// Everything a run needs in memory before it writes anything.
struct PreparedRun {
  SplitImages split;
  ModelConfig config;
  nlohmann::json weights;  // where the pretrained weights came from
  Classifier model{nullptr};
  std::vector<cv::Mat> train_images;
  std::vector<cv::Mat> valid_images;
  torch::Device device{torch::kCPU};
};

int WorkerThreads(const TrainOptions& options) {
  if (options.threads > 0) return options.threads;
  return std::max(1u, std::thread::hardware_concurrency());
}

Status ResolveDevice(const std::string& name, torch::Device* device) {
  if (name == "cpu") {
    *device = torch::kCPU;
    return Status::Ok();
  }
  if (name == "cuda") {
    if (!torch::cuda::is_available()) {
      return Status::Unsupported(
          "--device cuda: this LibTorch build has no CUDA support or no CUDA device is visible; use --device cpu, "
          "or rebuild smallset against a CUDA LibTorch (CMAKE_PREFIX_PATH)");
    }
    *device = torch::kCUDA;
    return Status::Ok();
  }
  return Status::InvalidArgument("--device " + name + ": use cpu or cuda");
}

// Builds the network for the split's classes and loads the pretrained body, or leaves it
// randomly initialised for --weights none.
Status BuildModel(const TrainOptions& options, int num_classes, PreparedRun* run) {
  ModelConfig config;
  config.arch = options.arch;
  if (options.weights == "none") {
    SMALLSET_LOG_WARN("*** --weights none: training %s from RANDOM initialisation. ***", options.arch.c_str());
    SMALLSET_LOG_WARN("*** With a few hundred images expect far lower accuracy than with pretrained weights. ***");
    run->weights = {{"source", "none (random initialisation)"}};
  } else {
    PretrainedWeights weights;
    SMALLSET_RETURN_IF_ERROR(
        ResolvePretrainedWeights(options.arch, options.weights, options.weights_base_url, &weights));
    config = weights.config;
    run->weights = {{"path", weights.safetensors_path}, {"sha256", weights.sha256}, {"source", weights.source}};
  }
  config.num_classes = num_classes;
  config.input_size = options.size;
  run->config = config;

  // The head's initial weights come from torch's generator: seed it for reproducible runs.
  torch::manual_seed(options.seed);
  SMALLSET_RETURN_IF_ERROR(CreateClassifier(config, &run->model));
  if (options.weights != "none") {
    SMALLSET_RETURN_IF_ERROR(LoadPretrainedBody(run->model, run->weights["path"].get<std::string>()));
  }
  run->model->to(run->device);
  UseChannelsLast(*run->model);
  return Status::Ok();
}

Status DecodeSplit(const std::string& store_root, const TrainOptions& options, PreparedRun* run) {
  const int short_side = PresizeShortSide(options.size, run->config.crop_pct);
  SMALLSET_LOG_INFO("decoding %zu train and %zu validation images (short side %d px)", run->split.train.size(),
                    run->split.valid.size(), short_side);
  SMALLSET_RETURN_IF_ERROR(
      DecodeImages(store_root, run->split.train, short_side, WorkerThreads(options), &run->train_images));
  return DecodeImages(store_root, run->split.valid, short_side, WorkerThreads(options), &run->valid_images);
}

std::vector<int> LabelsOf(const std::vector<LabeledImage>& images) {
  std::vector<int> labels;
  for (const LabeledImage& image : images) labels.push_back(image.class_index);
  return labels;
}

nlohmann::json ModelJson(const PreparedRun& run, const TrainOptions& options, const RunSummary& summary,
                         int64_t run_id, const std::string& manifest_path) {
  nlohmann::json json = nlohmann::json::parse(ModelConfigToJson(run.config));
  json["classes"] = run.split.classes;
  json["tta"] = options.tta;
  json["metrics"] = RunSummaryToJson(summary);
  json["options"] = TrainOptionsToJson(options);
  json["manifest"] = manifest_path;
  json["manifest_run_id"] = run_id;
  json["weights"] = run.weights;
  json["created_at"] = NowUtcIso8601();
  return json;
}

void FillTopLosses(const Evaluation& evaluation, const PreparedRun& run, RunSummary* summary) {
  std::vector<size_t> order(evaluation.losses.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return evaluation.losses[a] > evaluation.losses[b]; });
  auto probabilities = evaluation.probabilities.accessor<float, 2>();
  for (size_t k = 0; k < order.size() && k < static_cast<size_t>(kTopLosses); ++k) {
    const size_t i = order[k];
    const LabeledImage& image = run.split.valid[i];
    TopLoss top;
    top.image_id = image.image_id;
    top.sha256 = image.sha256;
    top.true_label = image.label;
    top.predicted_label = run.split.classes[evaluation.predicted[i]];
    top.probability = probabilities[i][evaluation.predicted[i]];
    top.loss = evaluation.losses[i];
    top.thumbnail_uri = ThumbnailDataUri(run.valid_images[i], 160);
    summary->top_losses.push_back(top);
  }
}

// Final evaluation (plain and TTA) and every output file of a finished run.
Status FinishOutputs(const RunRequest& request, const TrainOptions& options, PreparedRun& run,
                     const BatchLoader& valid, const Trainer& trainer, int64_t run_id, RunSummary* summary) {
  const Evaluation plain = Evaluate(run.model, valid, {View::kEval}, options.batch, run.device);
  const Evaluation tta = Evaluate(run.model, valid, TtaViews(), options.batch, run.device);
  summary->classes = run.split.classes;
  summary->history = trainer.history();
  summary->confusion = ConfusionOf(plain, static_cast<int>(run.split.classes.size()));
  summary->accuracy = plain.accuracy;
  summary->valid_loss = plain.mean_loss;
  summary->accuracy_interval = WilsonInterval(summary->confusion.Correct(), summary->confusion.Total());
  summary->tta_accuracy = tta.accuracy;
  summary->total_seconds = 0;
  for (const EpochRecord& r : summary->history) summary->total_seconds += r.seconds;
  FillTopLosses(plain, run, summary);

  const std::string& dir = request.out_dir;
  const std::string model_path = dir + "/model.safetensors";
  SMALLSET_RETURN_IF_ERROR(SaveClassifier(run.model, model_path));
  const nlohmann::json options_json = TrainOptionsToJson(options);
  SMALLSET_RETURN_IF_ERROR(WriteFileAtomically(
      dir + "/model.json", ModelJson(run, options, *summary, run_id, request.manifest_path).dump(2) + "\n"));
  SMALLSET_RETURN_IF_ERROR(WriteFileAtomically(dir + "/metrics.csv", MetricsCsv(summary->history)));
  SMALLSET_RETURN_IF_ERROR(WriteFileAtomically(
      dir + "/report.html", RenderReport(fs::path(dir).filename().string(), *summary, options_json)));

  std::unique_ptr<Manifest> manifest;
  SMALLSET_RETURN_IF_ERROR(Manifest::Open(request.manifest_path, &manifest));
  SMALLSET_RETURN_IF_ERROR(
      FinishRun(*manifest, run_id, RunSummaryToJson(*summary).dump(), summary->accuracy, model_path));
  std::error_code ignored;
  fs::remove(dir + "/" + kCheckpointFile, ignored);
  return Status::Ok();
}

// Reads and checks everything a new run needs; writes nothing.
Status PrepareNewRun(const RunRequest& request, PreparedRun* run) {
  std::error_code error;
  if (fs::exists(request.out_dir, error)) {
    return Status::InvalidArgument("output folder " + request.out_dir +
                                   " already exists: pass --resume " + request.out_dir +
                                   " to continue that run, or choose another --out");
  }
  if (!fs::exists(request.manifest_path, error)) {
    return Status::NotFound("manifest " + request.manifest_path +
                            " not found: run crawl or curate --import first, or pass --manifest");
  }
  std::unique_ptr<Manifest> manifest;
  SMALLSET_RETURN_IF_ERROR(Manifest::Open(request.manifest_path, &manifest));
  const std::string store_root = manifest->StoreDirectory();
  SMALLSET_RETURN_IF_ERROR(ReadSplit(*manifest, store_root, &run->split));
  SMALLSET_RETURN_IF_ERROR(BuildModel(request.options, static_cast<int>(run->split.classes.size()), run));
  return DecodeSplit(store_root, request.options, run);
}

// Reads a run's run.json, its exact images from the manifest and its latest checkpoint.
Status PrepareResume(const RunRequest& request, const TrainOptions& options, int64_t run_id,
                     const std::vector<std::string>& classes, PreparedRun* run) {
  std::unique_ptr<Manifest> manifest;
  SMALLSET_RETURN_IF_ERROR(Manifest::Open(request.manifest_path, &manifest));
  const std::string store_root = manifest->StoreDirectory();
  SMALLSET_RETURN_IF_ERROR(ReadRunImages(*manifest, run_id, classes, &run->split));
  SMALLSET_RETURN_IF_ERROR(ValidateSplit(run->split, store_root));
  SMALLSET_RETURN_IF_ERROR(BuildModel(options, static_cast<int>(classes.size()), run));
  return DecodeSplit(store_root, options, run);
}

Status ReadRunFile(const std::string& out_dir, nlohmann::json* json) {
  std::string text;
  const std::string path = out_dir + "/" + kRunFile;
  if (!fs::exists(path)) {
    return Status::NotFound("--resume " + out_dir + ": " + path +
                            " not found; the folder is not a run that train started");
  }
  SMALLSET_RETURN_IF_ERROR(ReadFile(path, &text));
  *json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json->is_discarded() || !json->contains("options") || !json->contains("run_id")) {
    return Status::Corruption(path + " is not a valid run file");
  }
  return Status::Ok();
}

void PrintEpoch(const EpochRecord& r, int total) {
  std::printf("epoch %d/%d  %-8s  train_loss %.4f  valid_loss %.4f  accuracy %.4f  %.1f s\n", r.epoch, total,
              r.phase.c_str(), r.train_loss, r.valid_loss, r.valid_accuracy, r.seconds);
  std::fflush(stdout);
}

}  // namespace

Status ReadRunOptions(const std::string& out_dir, TrainOptions* options, std::string* manifest_path) {
  nlohmann::json json;
  SMALLSET_RETURN_IF_ERROR(ReadRunFile(out_dir, &json));
  *options = TrainOptionsFromJson(json["options"]);
  *manifest_path = json.value("manifest", "");
  return Status::Ok();
}

Status RunTraining(const RunRequest& request, bool quiet_epochs, RunResult* result) {
  PreparedRun run;
  TrainOptions options = request.options;
  SMALLSET_RETURN_IF_ERROR(ResolveDevice(options.device, &run.device));
  int64_t run_id = 0;

  if (request.resume) {
    nlohmann::json run_file;
    SMALLSET_RETURN_IF_ERROR(ReadRunFile(request.out_dir, &run_file));
    if (fs::exists(request.out_dir + "/model.safetensors")) {
      return Status::InvalidArgument("run " + request.out_dir + " has already finished; nothing to resume");
    }
    options = TrainOptionsFromJson(run_file["options"]);
    options.threads = request.options.threads;  // the machine may differ; results do not
    options.device = request.options.device;
    run_id = run_file["run_id"].get<int64_t>();
    SMALLSET_RETURN_IF_ERROR(
        PrepareResume(request, options, run_id, run_file["classes"].get<std::vector<std::string>>(), &run));
    std::unique_ptr<Manifest> manifest;
    SMALLSET_RETURN_IF_ERROR(Manifest::Open(request.manifest_path, &manifest));
    SMALLSET_RETURN_IF_ERROR(RestartRun(*manifest, run_id));
  } else {
    SMALLSET_RETURN_IF_ERROR(PrepareNewRun(request, &run));
  }

  // Only now, with every input checked, does the run write anything.
  std::error_code error;
  if (!request.resume) {
    fs::create_directories(request.out_dir, error);
    if (error) return Status::IoError("cannot create " + request.out_dir + ": " + error.message());
    std::unique_ptr<Manifest> manifest;
    SMALLSET_RETURN_IF_ERROR(Manifest::Open(request.manifest_path, &manifest));
    const nlohmann::json options_json = TrainOptionsToJson(options);
    SMALLSET_RETURN_IF_ERROR(InsertRun(*manifest, fs::path(request.out_dir).filename().string(), request.out_dir,
                                       options.arch, options_json.dump(), run.split, &run_id));
    const nlohmann::json run_file = {{"run_id", run_id},
                                     {"manifest", request.manifest_path},
                                     {"options", options_json},
                                     {"classes", run.split.classes}};
    SMALLSET_RETURN_IF_ERROR(WriteFileAtomically(request.out_dir + "/" + kRunFile, run_file.dump(2) + "\n"));
  }

  const InputFormat format{options.size, run.config.crop_pct, run.config.mean, run.config.std};
  const int workers = WorkerThreads(options);
  BatchLoader train(&run.train_images, LabelsOf(run.split.train), format, AugmentOptions(), workers);
  BatchLoader valid(&run.valid_images, LabelsOf(run.split.valid), format, AugmentOptions(), workers);

  RunSummary& summary = result->summary;
  // NOTE: a resumed run does not repeat the learning-rate sweep, so its report lacks the curve.
  if (options.lr_find && !request.resume) {
    summary.lr_finder = FindLearningRate(run.model, train, options, run.device);
    SMALLSET_RETURN_IF_ERROR(WriteFileAtomically(request.out_dir + "/lr_find.csv", LrFinderCsv(*summary.lr_finder)));
    SMALLSET_RETURN_IF_ERROR(WriteFileAtomically(request.out_dir + "/lr_find.svg", LrFinderSvg(*summary.lr_finder)));
    std::printf("learning-rate finder: suggested lr %.2g (written to %s/lr_find.svg)\n",
                summary.lr_finder->suggested_lr, request.out_dir.c_str());
  }

  Trainer trainer(run.model, train, valid, options, run.device, request.out_dir + "/" + kCheckpointFile);
  if (request.resume && fs::exists(request.out_dir + "/" + kCheckpointFile)) {
    SMALLSET_RETURN_IF_ERROR(trainer.Resume());
    SMALLSET_LOG_INFO("resuming %s after epoch %zu", request.out_dir.c_str(), trainer.history().size());
  }
  const std::string metrics_path = request.out_dir + "/metrics.csv";
  Status status = trainer.Run([&](const EpochRecord& record) {
    if (!quiet_epochs) PrintEpoch(record, TotalEpochs(options));
    SMALLSET_LOG_DEBUG("epoch %d written to %s", record.epoch, metrics_path.c_str());
    Status written = WriteFileAtomically(metrics_path, MetricsCsv(trainer.history()));
    if (!written.ok()) SMALLSET_LOG_WARN("%s", written.message().c_str());
  });
  if (status.ok()) status = FinishOutputs(request, options, run, valid, trainer, run_id, &summary);

  if (!status.ok() && status.code() != Status::Code::kInterrupted) {
    std::unique_ptr<Manifest> manifest;
    if (Manifest::Open(request.manifest_path, &manifest).ok()) FailRun(*manifest, run_id, status.message());
  }
  result->run_id = run_id;
  result->out_dir = request.out_dir;
  return status;
}

}  // namespace smallset
