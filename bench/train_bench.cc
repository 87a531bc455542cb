// Train benchmark: validation accuracy, wall time and peak memory of `train` on a real photo
// set split 135:20, for three recipes over several seeds, against the Python reference of
// the full recipe (bench/train_reference.py) on the same split.
//
//   build/bin/train_bench --dataset web_faces_glasses --seeds 3 --threads 2
//
// The split comes from the real `curate --import DIR --split 135:20` when curate is built.
// Otherwise this program records a deterministic split itself: of the files that the shared
// decoder reads, ordered by sha256, the first 135 of each label are train and the next 20
// validation. That is curate's kind of split without its near-duplicate removal.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/content_store.h"
#include "common/image/decode.h"
#include "common/log.h"
#include "common/manifest.h"
#include "common/sha256.h"
#include "common/sniff.h"
#include "train/classification_metrics.h"

namespace smallset {
namespace {

namespace fs = std::filesystem;

struct Measured {
  int exit_code = -1;
  std::string out;
  double seconds = 0;
  double peak_rss_mb = 0;
};

// Runs `argv`, capturing stdout, and measures wall time and the child's peak RSS (wait4).
Measured RunMeasured(const std::vector<std::string>& argv, const std::string& log_path) {
  Measured result;
  const std::string out_path = log_path + ".out";
  const auto start = std::chrono::steady_clock::now();
  std::fflush(stdout);  // or the child would print the parent's buffered output again
  const pid_t pid = fork();
  if (pid == 0) {
    FILE* out = std::freopen(out_path.c_str(), "w", stdout);
    FILE* err = std::freopen(log_path.c_str(), "w", stderr);
    if (out == nullptr || err == nullptr) _exit(127);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  struct rusage usage {};
  wait4(pid, &status, 0, &usage);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.peak_rss_mb = usage.ru_maxrss / 1024.0;
  ReadFile(out_path, &result.out);
  return result;
}

// Records a 135:20 split without curate: decodable files only, ordered by sha256.
Status WriteSplitWithoutCurate(const std::string& dataset, const std::string& manifest_path, int train, int valid) {
  std::unique_ptr<Manifest> manifest;
  SMALLSET_RETURN_IF_ERROR(Manifest::Open(manifest_path, &manifest));
  std::unique_ptr<ContentStore> store;
  SMALLSET_RETURN_IF_ERROR(ContentStore::Open(manifest->StoreDirectory(), &store));
  return manifest->WriteTransaction([&] {
    Statement insert = manifest->Prepare(
        "INSERT OR IGNORE INTO images (sha256, path, bytes, format, label, first_seen_at, width, height, status, "
        "split, curated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'kept', ?, ?)");
    for (const auto& label_dir : fs::directory_iterator(dataset)) {
      if (!label_dir.is_directory()) continue;
      const std::string label = label_dir.path().filename().string();
      std::map<std::string, std::pair<StoredFile, cv::Size>> usable;  // by sha256
      for (const auto& file : fs::directory_iterator(label_dir.path())) {
        std::string bytes;
        SMALLSET_RETURN_IF_ERROR(ReadFile(file.path().string(), &bytes));
        if (!IsSupportedRaster(SniffFormat(bytes))) continue;
        DecodeOptions options;
        options.target_short_side = 64;
        DecodedImage decoded;
        if (!DecodeImage(bytes, options, &decoded).ok()) continue;
        StoredFile stored;
        SMALLSET_RETURN_IF_ERROR(store->Put(bytes, &stored));
        usable[stored.sha256] = {stored, cv::Size(decoded.original_width, decoded.original_height)};
      }
      int position = 0;
      for (const auto& [sha256, entry] : usable) {
        if (position >= train + valid) break;
        const StoredFile& stored = entry.first;
        insert.Reset();
        insert.Bind(1, sha256).Bind(2, stored.relative_path).Bind(3, stored.bytes).Bind(4, FormatName(stored.format));
        insert.Bind(5, label).Bind(6, NowUtcIso8601()).Bind(7, entry.second.width).Bind(8, entry.second.height);
        insert.Bind(9, position < train ? "train" : "valid").Bind(10, NowUtcIso8601());
        SMALLSET_RETURN_IF_ERROR(insert.Run());
        position += 1;
      }
    }
    return Status::Ok();
  });
}

// Records a person's rejection of each file in `rejects` (paths relative to `dataset`)
// with `curate --reject SHA256...`, as a user who looked at the pictures would.
Status RejectFiles(const std::string& curate, const std::string& manifest, const std::string& dataset,
                   const std::vector<std::string>& rejects, const std::string& log) {
  std::vector<std::string> command = {curate, "--manifest", manifest, "-q", "--reject"};
  for (const std::string& relative : rejects) {
    std::string bytes;
    SMALLSET_RETURN_IF_ERROR(ReadFile(dataset + "/" + relative, &bytes));
    command.push_back(Sha256Hex(bytes));
  }
  if (RunMeasured(command, log).exit_code != 0) return Status::Failed("curate --reject failed; see " + log);
  return Status::Ok();
}

Status PrepareManifest(const std::string& bin_dir, const std::string& dataset, const std::string& work,
                       const std::vector<std::string>& rejects, std::string* manifest, std::string* how) {
  *manifest = work + "/data.db";
  const std::string curate = bin_dir + "/curate";
  if (fs::exists(curate)) {
    Measured imported = RunMeasured({curate, "--manifest", *manifest, "--import", dataset, "-q"}, work + "/curate1.log");
    if (imported.exit_code == 0 && !rejects.empty()) {
      SMALLSET_RETURN_IF_ERROR(RejectFiles(curate, *manifest, dataset, rejects, work + "/curate_reject.log"));
    }
    Measured split = RunMeasured({curate, "--manifest", *manifest, "--split", "135:20", "-q"}, work + "/curate2.log");
    if (imported.exit_code == 0 && split.exit_code == 0) {
      *how = "curate --import DIR, then curate --split 135:20";
      if (!rejects.empty()) *how += " after curate --reject of " + std::to_string(rejects.size()) + " files";
      return Status::Ok();
    }
    if (!rejects.empty()) return Status::Failed("curate failed, and --reject needs it; see " + work + "/curate*.log");
    SMALLSET_LOG_WARN("curate failed (see %s/curate*.log); recording the split without it", work.c_str());
    fs::remove(*manifest);
  }
  *how = "deterministic 135:20 split by sha256, written by train_bench (curate not built)";
  return WriteSplitWithoutCurate(dataset, *manifest, 135, 20);
}

struct Recipe {
  std::string name;
  std::vector<std::string> options;
  bool python = false;  // the Python reference instead of train
};

// Figures of one run. Epoch times are split by phase because a frozen epoch only runs the
// body forward, and a phase-2 epoch trains the whole network.
struct RunFigures {
  double accuracy = 0;
  double frozen_epoch_seconds = 0;    // mean over phase-1 epochs
  double unfrozen_epoch_seconds = 0;  // mean over phase-2 epochs, 0 when none
  double total_seconds = 0;           // wall time of the whole process
  double peak_rss_mb = 0;
};

RunFigures FiguresFrom(const nlohmann::json& summary, const Measured& run) {
  RunFigures figures;
  figures.accuracy = summary["accuracy"].get<double>();
  std::vector<double> frozen, unfrozen;
  for (const auto& epoch : summary["epochs"]) {
    (epoch["phase"] == "frozen" ? frozen : unfrozen).push_back(epoch["seconds"].get<double>());
  }
  figures.frozen_epoch_seconds = ComputeMeanAndDeviation(frozen).mean;
  figures.unfrozen_epoch_seconds = ComputeMeanAndDeviation(unfrozen).mean;
  figures.total_seconds = run.seconds;
  figures.peak_rss_mb = run.peak_rss_mb;
  return figures;
}

nlohmann::json FiguresJson(const std::vector<RunFigures>& runs) {
  std::vector<double> accuracy, frozen, unfrozen, total, rss;
  for (const RunFigures& r : runs) {
    accuracy.push_back(r.accuracy);
    frozen.push_back(r.frozen_epoch_seconds);
    unfrozen.push_back(r.unfrozen_epoch_seconds);
    total.push_back(r.total_seconds);
    rss.push_back(r.peak_rss_mb);
  }
  const MeanAndDeviation spread = ComputeMeanAndDeviation(accuracy);
  return {{"accuracy", accuracy},
          {"accuracy_mean", spread.mean},
          {"accuracy_sd", spread.standard_deviation},
          {"frozen_epoch_seconds", frozen},
          {"unfrozen_epoch_seconds", unfrozen},
          {"total_seconds", total},
          {"peak_rss_mb", rss}};
}

int Main(int argc, char** argv) {
  CLI::App app{"Benchmarks train's recipes against the Python reference on a real photo set."};
  std::string shared = SMALLSET_SHARED_DIR_DEFAULT;
  std::string dataset = "web_faces_glasses";
  std::string work = "/tmp/smallset_train_bench";
  std::string recipes_text = "plain,augment,full,python";
  std::string bin_dir = SMALLSET_BIN_DIR;
  int seeds = 3, first_seed = 0, threads = 2;
  std::string size = "160";
  std::string lrs = "1e-5,1e-4,1e-3";
  app.add_option("--shared", shared, "Shared data folder")->capture_default_str();
  app.add_option("--dataset", dataset, "Folder under shared/datasets")->capture_default_str();
  app.add_option("--work", work, "Scratch folder (replaced)")->capture_default_str();
  app.add_option("--seeds", seeds, "Seeds per recipe")->capture_default_str();
  app.add_option("--first-seed", first_seed, "First seed")->capture_default_str();
  app.add_option("--threads", threads, "Threads for train and the reference")->capture_default_str();
  app.add_option("--recipes", recipes_text,
                 "Comma-separated, run in this order for each seed: plain, augment, full, full-train-bn, python")
      ->capture_default_str();
  app.add_option("--size", size, "Input size in pixels")->capture_default_str();
  app.add_option("--lrs", lrs, "Phase-2 learning rates for train and the reference")->capture_default_str();
  std::vector<std::string> rejects;
  app.add_option("--reject", rejects, "Files (relative to the data set folder) to reject with curate before the split")
      ->delimiter(',');
  CLI11_PARSE(app, argc, argv);

  fs::remove_all(work);
  fs::create_directories(work + "/runs");
  const std::string weights = shared + "/weights/mobilenet_v2_1.0_224_imagenet";
  std::string manifest, how;
  Status status = PrepareManifest(bin_dir, shared + "/datasets/" + dataset, work, rejects, &manifest, &how);
  if (!status.ok()) {
    std::fprintf(stderr, "%s\n", status.message().c_str());
    return 1;
  }
  std::printf("dataset %s, split: %s\n", dataset.c_str(), how.c_str());

  // plain and augment train the head alone for as many epochs as the full recipe has in all.
  const std::vector<Recipe> known = {
      {"plain", {"--no-augment", "--epochs-frozen", "8", "--epochs", "0"}},
      {"augment", {"--epochs-frozen", "8", "--epochs", "0"}},
      {"full", {}},
      {"full-train-bn", {"--train-bn"}},
      {"python", {}, true},
  };
  std::vector<Recipe> recipes;
  for (const Recipe& recipe : known) {
    if (("," + recipes_text + ",").find("," + recipe.name + ",") != std::string::npos) recipes.push_back(recipe);
  }

  // Seeds are the outer loop so that train and the reference alternate and meet the same
  // background load on a shared machine.
  std::map<std::string, std::vector<RunFigures>> figures;
  for (int seed = first_seed; seed < first_seed + seeds; ++seed) {
    for (const Recipe& recipe : recipes) {
      const std::string out = work + "/runs/" + recipe.name + "-" + std::to_string(seed);
      std::vector<std::string> command;
      if (recipe.python) {
        command = {"/usr/bin/python3", std::string(SMALLSET_SOURCE_DIR) + "/bench/train_reference.py",
                   "--manifest", manifest, "--weights", weights, "--size", size, "--threads",
                   std::to_string(threads), "--seed", std::to_string(seed), "--lrs", lrs};
      } else {
        command = {bin_dir + "/train", "--manifest", manifest, "--weights", weights, "--size", size, "--threads",
                   std::to_string(threads), "--seed", std::to_string(seed), "--lrs", lrs, "--out", out, "--json", "-q"};
        command.insert(command.end(), recipe.options.begin(), recipe.options.end());
      }
      const Measured run = RunMeasured(command, out + ".log");
      if (run.exit_code != 0) {
        std::fprintf(stderr, "%s failed (exit %d), see %s.log\n", recipe.name.c_str(), run.exit_code, out.c_str());
        return 1;
      }
      const RunFigures result = FiguresFrom(nlohmann::json::parse(run.out), run);
      figures[recipe.name].push_back(result);
      std::printf("%-14s seed %d  accuracy %.4f  frozen epoch %.1f s  unfrozen epoch %.1f s  total %.1f s  "
                  "peak RSS %.0f MB\n",
                  recipe.name.c_str(), seed, result.accuracy, result.frozen_epoch_seconds,
                  result.unfrozen_epoch_seconds, result.total_seconds, result.peak_rss_mb);
      std::fflush(stdout);
    }
  }

  nlohmann::json report = {{"dataset", dataset}, {"split", how}, {"threads", threads}, {"size", size}, {"lrs", lrs}};
  for (const Recipe& recipe : recipes) {
    report["recipes"][recipe.name] = FiguresJson(figures[recipe.name]);
    std::printf("%-14s accuracy mean %.4f sd %.4f over %d seeds\n", recipe.name.c_str(),
                report["recipes"][recipe.name]["accuracy_mean"].get<double>(),
                report["recipes"][recipe.name]["accuracy_sd"].get<double>(), seeds);
  }
  std::ofstream(work + "/bench.json") << report.dump(2) << "\n";
  std::printf("results: %s/bench.json\n", work.c_str());
  return 0;
}

}  // namespace
}  // namespace smallset

int main(int argc, char** argv) { return smallset::Main(argc, argv); }
