// The train and predict programs, run as a user runs them, on the shapes3 images with the
// shared MobileNetV2 weights and a manifest built in the test.
#include <doctest/doctest.h>

#include <signal.h>

#include <filesystem>
#include <sstream>

#include <nlohmann/json.hpp>

#include "common/manifest.h"
#include "tests/support/test_support.h"
#include "tests/train/shapes_manifest.h"

namespace smallset::testing {
namespace {

namespace fs = std::filesystem;

// Small, fast settings: 64 px input, one epoch per phase, two threads.
std::vector<std::string> QuickTrain(const std::string& manifest, const std::string& weights, const std::string& out) {
  return {BinPath("train"), "--manifest", manifest, "--weights", weights, "--size", "64", "--epochs-frozen", "1",
          "--epochs", "1", "--batch", "16", "--threads", "2", "--out", out, "-q"};
}

int64_t CountRows(const std::string& manifest_path, const char* sql) {
  std::unique_ptr<Manifest> manifest;
  REQUIRE(Manifest::Open(manifest_path, &manifest).ok());
  Statement statement = manifest->Prepare(sql);
  REQUIRE(statement.Next());
  return statement.Int(0);
}

ShapesManifestOptions SmallShapes(int train_per_class, int valid_per_class) {
  ShapesManifestOptions options;
  options.train_per_class = train_per_class;
  options.valid_per_class = valid_per_class;
  return options;
}

// metrics.csv without the wall-time column, which differs between runs.
std::string MetricsWithoutTime(const std::string& path) {
  std::istringstream lines(ReadTextFile(path));
  std::string line, out;
  while (std::getline(lines, line)) out += line.substr(0, line.rfind(',')) + "\n";
  return out;
}

TEST_CASE("predict help omits --manifest") {
  const ProcessResult help = RunProcess({BinPath("predict"), "--help"});
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("--model") != std::string::npos);
  CHECK(help.out.find("--manifest") == std::string::npos);
}

TEST_CASE("fine-tune on shapes reaches 0.9") {
  SMALLSET_REQUIRE_SHARED(shared);
  TempDir dir;
  const std::string manifest = dir / "data.db";
  BuildShapesManifest(shared, manifest);
  const std::string out = dir / "runs/shapes";

  const ProcessResult run = RunProcess({BinPath("train"), "--manifest", manifest, "--weights", MobileNetWeights(shared),
                                        "--size", "96", "--epochs-frozen", "1", "--epochs", "2", "--threads", "2",
                                        "--out", out, "--json", "-q"},
                                       600);
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  const nlohmann::json summary = nlohmann::json::parse(run.out);
  CHECK(summary["accuracy"].get<double>() >= 0.9);
  CHECK(summary["total"].get<int>() == 60);
  CHECK(summary["classes"] == nlohmann::json({"circle", "square", "triangle"}));
  CHECK(summary["accuracy_95"][0].get<double>() <= summary["accuracy"].get<double>());
  CHECK(summary["tta_accuracy"].is_number());
  CHECK(summary["confusion"].size() == 3);
  CHECK(summary["top_losses"].size() == 8);

  // Outputs of the run.
  for (const char* file : {"model.safetensors", "model.json", "metrics.csv", "report.html"}) {
    CHECK_MESSAGE(FileExists(out + "/" + file), file);
  }
  CHECK_FALSE(FileExists(out + "/checkpoint.pt"));
  const nlohmann::json model = nlohmann::json::parse(ReadTextFile(out + "/model.json"));
  CHECK(model["classes"] == nlohmann::json({"circle", "square", "triangle"}));
  CHECK(model["architecture"] == "mobilenet_v2");
  CHECK(model["padding"] == "tf_same");
  CHECK(model["input_size"].dump().find("96") != std::string::npos);
  CHECK(model["manifest_run_id"].get<int>() == summary["run_id"].get<int>());
  CHECK(model["options"]["size"] == 96);

  const std::string report = ReadTextFile(out + "/report.html");
  CHECK(report.find("<svg") != std::string::npos);
  CHECK(report.find("data:image/jpeg;base64,") != std::string::npos);
  CHECK(report.find("<script") == std::string::npos);
  CHECK(report.find("src=\"http") == std::string::npos);

  const std::string metrics = ReadTextFile(out + "/metrics.csv");
  CHECK(metrics.find("epoch,phase,train_loss,valid_loss,valid_accuracy,seconds\n1,frozen,") == 0);
  CHECK(metrics.find("\n3,unfrozen,") != std::string::npos);

  // The manifest records the run and the exact images it used.
  CHECK(CountRows(manifest, "SELECT COUNT(*) FROM runs WHERE status = 'finished' AND accuracy >= 0.9") == 1);
  CHECK(CountRows(manifest, "SELECT COUNT(*) FROM run_images WHERE split = 'train'") == 405);
  CHECK(CountRows(manifest, "SELECT COUNT(*) FROM run_images WHERE split = 'valid'") == 60);

  SUBCASE("predict prints path, label and probability") {
    const std::string images = dir / "predict";
    fs::create_directories(images);
    const std::string source = shared + "/cases/train/shapes3/";
    fs::copy_file(source + "circle/circle_150.png", images + "/a_circle.png");
    fs::copy_file(source + "square/square_151.png", images + "/b_square.png");
    fs::copy_file(source + "triangle/triangle_152.png", images + "/c_triangle.png");
    WriteTextFile(images + "/d_broken.png", "<html>not an image</html>");

    const ProcessResult predict = RunProcess({BinPath("predict"), "--model", out, images, "--threads", "2"});
    CHECK(predict.exit_code == 1);
    CHECK(predict.err.find("d_broken.png") != std::string::npos);
    std::istringstream lines(predict.out);
    std::string line;
    int count = 0;
    while (std::getline(lines, line)) {
      const size_t tab1 = line.find('\t');
      const size_t tab2 = line.find('\t', tab1 + 1);
      REQUIRE(tab2 != std::string::npos);
      const std::string path = line.substr(0, tab1);
      const std::string label = line.substr(tab1 + 1, tab2 - tab1 - 1);
      const double probability = std::stod(line.substr(tab2 + 1));
      CHECK(path.find(label) != std::string::npos);
      CHECK(probability > 0.34);
      CHECK(probability <= 1.0);
      count += 1;
    }
    CHECK(count == 3);

    const ProcessResult json = RunProcess({BinPath("predict"), "--model", out, images + "/a_circle.png", "--json",
                                           "--tta"});
    CHECK(json.exit_code == 0);
    const nlohmann::json object = nlohmann::json::parse(json.out);
    CHECK(object["label"] == "circle");
    CHECK(object["probabilities"].size() == 3);
  }
}

TEST_CASE("same seed gives the same metrics") {
  SMALLSET_REQUIRE_SHARED(shared);
  TempDir dir;
  const std::string manifest = dir / "data.db";
  BuildShapesManifest(shared, manifest, SmallShapes(24, 8));

  const ProcessResult first = RunProcess(QuickTrain(manifest, MobileNetWeights(shared), dir / "runs/a"), 300);
  const ProcessResult second = RunProcess(QuickTrain(manifest, MobileNetWeights(shared), dir / "runs/b"), 300);
  INFO(first.err);
  INFO(second.err);
  REQUIRE(first.exit_code == 0);
  REQUIRE(second.exit_code == 0);
  CHECK(MetricsWithoutTime(dir / "runs/a/metrics.csv") == MetricsWithoutTime(dir / "runs/b/metrics.csv"));
  CHECK(ReadTextFile(dir / "runs/a/model.safetensors") == ReadTextFile(dir / "runs/b/model.safetensors"));
}

TEST_CASE("resume after a kill finishes the same run") {
  SMALLSET_REQUIRE_SHARED(shared);
  TempDir dir;
  const std::string manifest = dir / "data.db";
  BuildShapesManifest(shared, manifest, SmallShapes(24, 8));
  const std::string weights = MobileNetWeights(shared);

  std::vector<std::string> argv = QuickTrain(manifest, weights, dir / "runs/whole");
  argv[argv.size() - 1] = "-v";  // per-epoch lines on stdout
  argv[10] = "2";                // --epochs 2: three epochs in all
  REQUIRE(RunProcess(argv, 300).exit_code == 0);

  argv[argv.size() - 2] = dir / "runs/killed";
  {
    BackgroundProcess killed(argv);
    REQUIRE(killed.WaitForLine("epoch 1/3", 240) != "");
    killed.Stop(SIGKILL);
  }
  REQUIRE(FileExists(dir / "runs/killed/checkpoint.pt"));
  REQUIRE_FALSE(FileExists(dir / "runs/killed/model.safetensors"));

  const ProcessResult resumed =
      RunProcess({BinPath("train"), "--resume", dir / "runs/killed", "--threads", "2", "--json"}, 300);
  INFO(resumed.err);
  REQUIRE(resumed.exit_code == 0);
  CHECK(MetricsWithoutTime(dir / "runs/killed/metrics.csv") == MetricsWithoutTime(dir / "runs/whole/metrics.csv"));
  CHECK(CountRows(manifest, "SELECT COUNT(*) FROM runs WHERE status = 'finished'") == 2);

  const ProcessResult again = RunProcess({BinPath("train"), "--resume", dir / "runs/killed"});
  CHECK(again.exit_code != 0);
  CHECK(again.err.find("already finished") != std::string::npos);
}

// Runs train on a manifest that is wrong in some way and checks that it fails with
// `expected` in the message and writes nothing.
// Runs train and checks that it fails with `expected` in its error and writes nothing. A
// positive `exit_code` must match: 1 for a problem with the data, 2 for one with the options.
void CheckRejected(const std::string& manifest, const std::vector<std::string>& extra, const std::string& expected,
                   int exit_code = -1) {
  const std::string out = fs::path(manifest).parent_path().string() + "/runs/rejected";
  std::vector<std::string> argv = {BinPath("train"), "--manifest", manifest, "--size", "64", "--out", out};
  argv.insert(argv.end(), extra.begin(), extra.end());
  const ProcessResult run = RunProcess(argv, 120);
  INFO(run.err);
  CHECK(run.exit_code != 0);
  if (exit_code > 0) CHECK(run.exit_code == exit_code);
  CHECK(run.err.find(expected) != std::string::npos);
  CHECK_FALSE(fs::exists(out));
  CHECK(CountRows(manifest, "SELECT COUNT(*) FROM runs") == 0);
}

TEST_CASE("bad input is rejected with nothing written") {
  SMALLSET_REQUIRE_SHARED(shared);
  TempDir dir;
  const std::string weights = MobileNetWeights(shared);
  ShapesManifestOptions small = SmallShapes(4, 2);

  SUBCASE("no split yet") {
    small.record_split = false;
    BuildShapesManifest(shared, dir / "data.db", small);
    CheckRejected(dir / "data.db", {"--weights", weights}, "run curate --split first", 1);
  }
  SUBCASE("single label") {
    small.labels = {"circle"};
    BuildShapesManifest(shared, dir / "data.db", small);
    CheckRejected(dir / "data.db", {"--weights", weights}, "at least two", 1);
  }
  SUBCASE("label without validation images") {
    BuildShapesManifest(shared, dir / "data.db", small);
    std::unique_ptr<Manifest> manifest;
    REQUIRE(Manifest::Open(dir / "data.db", &manifest).ok());
    REQUIRE(manifest->Exec("UPDATE images SET split = 'train' WHERE label = 'square'").ok());
    manifest.reset();
    CheckRejected(dir / "data.db", {"--weights", weights}, "label \"square\" has 6 train and 0 validation images",
                  1);
  }
  SUBCASE("relabelled image counts under its new label") {
    small.labels = {"circle", "square"};
    BuildShapesManifest(shared, dir / "data.db", small);
    std::unique_ptr<Manifest> manifest;
    REQUIRE(Manifest::Open(dir / "data.db", &manifest).ok());
    REQUIRE(manifest->Exec("UPDATE images SET decision = 'relabel', decision_label = 'circle' "
                           "WHERE label = 'square'").ok());
    manifest.reset();
    CheckRejected(dir / "data.db", {"--weights", weights}, "only one label (\"circle\")", 1);
  }
  SUBCASE("image missing from the store") {
    BuildShapesManifest(shared, dir / "data.db", small);
    std::unique_ptr<Manifest> manifest;
    REQUIRE(Manifest::Open(dir / "data.db", &manifest).ok());
    Statement first = manifest->Prepare("SELECT path FROM images ORDER BY id LIMIT 1");
    REQUIRE(first.Next());
    const std::string missing = manifest->StoreDirectory() + "/" + first.Text(0);
    manifest.reset();
    fs::remove(missing);
    CheckRejected(dir / "data.db", {"--weights", weights}, "missing from the content store");
  }
  SUBCASE("weights folder missing") {
    BuildShapesManifest(shared, dir / "data.db", small);
    CheckRejected(dir / "data.db", {"--weights", dir / "no-such-weights"}, "no-such-weights");
  }
  SUBCASE("malformed weights file") {
    BuildShapesManifest(shared, dir / "data.db", small);
    const std::string bad = dir / "bad-weights";
    fs::create_directories(bad);
    fs::copy_file(weights + "/config.json", bad + "/config.json");
    WriteTextFile(bad + "/model.safetensors", std::string("\xff\xff\xff\xff\xff\xff\x00\x00{", 9));
    CheckRejected(dir / "data.db", {"--weights", bad}, "model.safetensors");
  }
  SUBCASE("cuda on a CPU build") {
    BuildShapesManifest(shared, dir / "data.db", small);
    CheckRejected(dir / "data.db", {"--weights", weights, "--device", "cuda"}, "--device cpu");
  }
  SUBCASE("existing output folder") {
    BuildShapesManifest(shared, dir / "data.db", small);
    fs::create_directories(dir / "runs/taken");
    const ProcessResult run = RunProcess({BinPath("train"), "--manifest", dir / "data.db", "--weights", weights,
                                          "--out", dir / "runs/taken"});
    CHECK(run.exit_code != 0);
    CHECK(run.err.find("already exists") != std::string::npos);
  }
  SUBCASE("invalid learning rates") {
    BuildShapesManifest(shared, dir / "data.db", small);
    CheckRejected(dir / "data.db", {"--weights", weights, "--lrs", "1e-4,1e-3"}, "three positive learning rates", 2);
  }
}

TEST_CASE("random initialisation needs an explicit choice and warns") {
  SMALLSET_REQUIRE_SHARED(shared);
  TempDir dir;
  BuildShapesManifest(shared, dir / "data.db", SmallShapes(4, 2));
  const ProcessResult run =
      RunProcess({BinPath("train"), "--manifest", dir / "data.db", "--weights", "none", "--size", "32",
                  "--epochs-frozen", "0", "--epochs", "1", "--threads", "2", "--out", dir / "runs/random", "--json"},
                 120);
  INFO(run.err);
  CHECK(run.exit_code == 0);
  CHECK(run.err.find("RANDOM initialisation") != std::string::npos);
}

TEST_CASE("learning-rate finder writes its curve") {
  SMALLSET_REQUIRE_SHARED(shared);
  TempDir dir;
  BuildShapesManifest(shared, dir / "data.db", SmallShapes(16, 4));
  const std::string out = dir / "runs/lr";
  const ProcessResult run =
      RunProcess({BinPath("train"), "--manifest", dir / "data.db", "--weights", MobileNetWeights(shared), "--size",
                  "32", "--batch", "8", "--epochs-frozen", "1", "--epochs", "0", "--threads", "2", "--lr-find",
                  "--out", out},
                 300);
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  CHECK(run.out.find("suggested lr") != std::string::npos);
  const std::string csv = ReadTextFile(out + "/lr_find.csv");
  CHECK(csv.find("step,lr,loss,smoothed_loss\n0,1e-07,") == 0);
  CHECK(ReadTextFile(out + "/lr_find.svg").find("<svg") == 0);
  CHECK(ReadTextFile(out + "/report.html").find("Learning-rate finder (suggested") != std::string::npos);
}

TEST_CASE("repeat runs one seed after another") {
  SMALLSET_REQUIRE_SHARED(shared);
  TempDir dir;
  BuildShapesManifest(shared, dir / "data.db", SmallShapes(4, 2));
  const std::string out = dir / "runs/repeat";
  const ProcessResult run =
      RunProcess({BinPath("train"), "--manifest", dir / "data.db", "--weights", MobileNetWeights(shared), "--size",
                  "32", "--epochs-frozen", "1", "--epochs", "0", "--threads", "2", "--repeat", "2", "--seed", "5",
                  "--out", out, "--json"},
                 120);
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  const nlohmann::json summary = nlohmann::json::parse(run.out);
  REQUIRE(summary["runs"].size() == 2);
  CHECK(summary["runs"][0]["seed"] == 5);
  CHECK(summary["runs"][1]["seed"] == 6);
  const double mean =
      (summary["runs"][0]["accuracy"].get<double>() + summary["runs"][1]["accuracy"].get<double>()) / 2;
  CHECK(summary["accuracy_mean"].get<double>() == doctest::Approx(mean));
  CHECK(summary["accuracy_sd"].is_number());
  CHECK(FileExists(out + "/seed-5/model.json"));
  CHECK(FileExists(out + "/seed-6/model.json"));
  CHECK(CountRows(dir / "data.db", "SELECT COUNT(*) FROM runs WHERE status = 'finished'") == 2);
}

}  // namespace
}  // namespace smallset::testing
