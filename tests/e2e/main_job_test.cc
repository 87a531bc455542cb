// The whole job as a user runs it: local-engine serves pictures on 127.0.0.1, then crawl,
// curate and train run in sequence, then contrib/refresh.sh grows the data set twice while
// the engine's results grow, and a concurrent refresh exits at once.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <thread>

#include "common/manifest.h"
#include "tests/support/test_support.h"

using namespace smallset;
using smallset::testing::BackgroundProcess;
using smallset::testing::BinPath;
using smallset::testing::ProcessResult;
using smallset::testing::RunProcess;
using smallset::testing::SourceDir;
using smallset::testing::TempDir;

namespace {

constexpr int kPicturesPerClass = 48;

// Synthetic faces, drawn once per test: the first `visible` of each class are put where the
// engine serves them, the rest wait in `reserve` for the results to grow.
void DrawPictures(const TempDir& dir) {
  ProcessResult drawn = RunProcess({smallset::testing::SystemPython(), SourceDir() + "/contrib/make_synthetic_faces.py",
                                    dir / "all", "--count", std::to_string(kPicturesPerClass), "--seed", "11"});
  REQUIRE_MESSAGE(drawn.exit_code == 0, drawn.err);
  for (const char* label : {"with_glasses", "without_glasses"}) {
    mkdir((dir / "engine").c_str(), 0755);
    mkdir((dir / "engine/" + label).c_str(), 0755);
  }
}

// Moves pictures [from, to) of each class into the engine's folder.
void Publish(const TempDir& dir, int from, int to) {
  for (const char* label : {"with_glasses", "without_glasses"}) {
    for (int i = from; i < to; ++i) {
      char name[32];
      snprintf(name, sizeof(name), "synthetic_%04d.jpg", i);
      std::string source = dir / "all/" + std::string(label) + "/" + name;
      std::string target = dir / "engine/" + std::string(label) + "/" + name;
      REQUIRE(rename(source.c_str(), target.c_str()) == 0);
    }
  }
}

std::vector<std::string> TrainOptions() {
  std::vector<std::string> options = {"--size", "64", "--batch", "16", "--epochs-frozen", "1", "--epochs", "1",
                                      "--threads", "2"};
  auto shared = smallset::testing::SharedDir();
  std::string weights = shared ? *shared + "/weights/mobilenet_v2_1.0_224_imagenet" : "";
  if (!weights.empty() && smallset::testing::FileExists(weights + "/model.safetensors")) {
    options.insert(options.end(), {"--arch", "mobilenet_v2", "--weights", weights});
  } else {
    options.insert(options.end(), {"--arch", "mobilenet_v2", "--weights", "none"});
  }
  return options;
}

ProcessResult Run(const TempDir& dir, std::vector<std::string> argv, double timeout = 300) {
  ProcessResult result = RunProcess(argv, timeout, {}, dir / "work");
  INFO("command: " << argv[0] << " " << (argv.size() > 1 ? argv[1] : ""));
  INFO("stdout: " << result.out);
  INFO("stderr: " << result.err);
  CHECK(result.exit_code == 0);
  return result;
}

// sha256 -> split of every image that has one.
std::map<std::string, std::string> Splits(const std::string& manifest_path) {
  std::unique_ptr<Manifest> manifest;
  REQUIRE(Manifest::Open(manifest_path, &manifest).ok());
  std::map<std::string, std::string> splits;
  Statement query = manifest->Prepare("SELECT sha256, split FROM images WHERE split IS NOT NULL");
  while (query.Next()) splits[query.Text(0)] = query.Text(1);
  REQUIRE(query.status().ok());
  return splits;
}

std::string ImageStatus(const std::string& manifest_path, const std::string& sha256) {
  std::unique_ptr<Manifest> manifest;
  REQUIRE(Manifest::Open(manifest_path, &manifest).ok());
  Statement query = manifest->Prepare("SELECT status FROM images WHERE sha256 = ?");
  query.Bind(1, sha256);
  return query.Next() ? query.Text(0) : "";
}

int64_t FinishedRuns(const std::string& manifest_path) {
  std::unique_ptr<Manifest> manifest;
  REQUIRE(Manifest::Open(manifest_path, &manifest).ok());
  Statement query = manifest->Prepare("SELECT count(*) FROM runs WHERE status = 'finished'");
  return query.Next() ? query.Int(0) : -1;
}

}  // namespace

TEST_CASE("main job then two refreshes keep splits") {
  TempDir dir;
  DrawPictures(dir);
  Publish(dir, 0, 32);
  mkdir((dir / "work").c_str(), 0755);
  std::string manifest = dir / "work/data.db";

  BackgroundProcess engine({BinPath("local-engine"), "--root", dir / "engine", "--quiet"});
  std::string port = engine.WaitForLine("PORT=");
  REQUIRE_FALSE(port.empty());
  std::string engine_url = "http://127.0.0.1:" + port;

  // The first run, as the README's main job does it.
  for (const char* label : {"with_glasses", "without_glasses"}) {
    std::string query = std::string("faces ") + (std::string(label) == "with_glasses" ? "with" : "without") + " glasses";
    Run(dir, {BinPath("crawl"), query, "-n", "100", "--label", label, "--engine-url", engine_url, "--allow-private"});
  }
  Run(dir, {BinPath("curate"), "--split", "0.75:0.25", "--report", "report.html"});
  std::vector<std::string> train = {BinPath("train"), "--manifest", "data.db", "--out", "runs/first"};
  for (const std::string& option : TrainOptions()) train.push_back(option);
  Run(dir, train, 600);
  CHECK(smallset::testing::FileExists(dir / "work/runs/first/model.safetensors"));
  CHECK(smallset::testing::FileExists(dir / "work/report.html"));

  std::map<std::string, std::string> first_splits = Splits(manifest);
  CHECK(first_splits.size() == 64);

  // A person rejects one picture; no refresh may bring it back.
  std::string rejected = first_splits.begin()->first;
  Run(dir, {BinPath("curate"), "--reject", rejected});
  CHECK(ImageStatus(manifest, rejected) == "rejected");

  std::vector<std::string> refresh = {"/bin/bash", SourceDir() + "/contrib/refresh.sh", "--workdir", dir / "work",
                                      "--bin", smallset::testing::BinPath(""), "--new", "50", "--allow-private", "--"};
  for (const std::string& option : TrainOptions()) refresh.push_back(option);

  // Two refreshes, each after the engine's results grew by 8 pictures per class.
  size_t previous_count = first_splits.size() - 1;
  std::map<std::string, std::string> previous_splits = first_splits;
  previous_splits.erase(rejected);
  for (int round = 0; round < 2; ++round) {
    CAPTURE(round);
    Publish(dir, 32 + 8 * round, 40 + 8 * round);

    // During the second refresh, another one starts and must exit at once.
    ProcessResult result;
    std::thread first([&] { result = RunProcess(refresh, 600, {}, dir / "work"); });
    if (round == 1) {
      bool locked = false;
      for (int i = 0; i < 200 && !locked; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        locked = RunProcess({"/usr/bin/flock", "-n", dir / "work/refresh.lock", "/bin/true"}).exit_code != 0;
      }
      CHECK(locked);
      auto start = std::chrono::steady_clock::now();
      ProcessResult second = RunProcess(refresh, 60, {}, dir / "work");
      double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      CHECK(second.exit_code == 75);
      CHECK(second.err.find("another refresh is running") != std::string::npos);
      CHECK(seconds < 5);
    }
    first.join();
    INFO("refresh stdout: " << result.out);
    INFO("refresh stderr: " << result.err);
    REQUIRE(result.exit_code == 0);
    CHECK(result.out.find("summary") != std::string::npos);

    std::map<std::string, std::string> splits = Splits(manifest);
    CHECK(splits.size() == previous_count + 16);
    for (const auto& [sha256, split] : previous_splits) {
      CAPTURE(sha256);
      REQUIRE(splits.count(sha256) == 1);
      CHECK(splits[sha256] == split);
    }
    CHECK(splits.count(rejected) == 0);
    CHECK(ImageStatus(manifest, rejected) == "rejected");
    previous_count = splits.size();
    previous_splits = splits;
  }
  CHECK(FinishedRuns(manifest) == 3);
}
