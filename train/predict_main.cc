// predict: classifies image files with a model that train wrote, decoding them as curate does.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <thread>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "common/cli_options.h"
#include "common/content_store.h"
#include "common/exit_code.h"
#include "common/log.h"
#include "train/predictor.h"

namespace smallset {
namespace {

namespace fs = std::filesystem;

// Expands folders into their files, recursively and sorted, skipping hidden entries. Other
// paths are kept as given, so that a missing file is reported as a failure later.
std::vector<std::string> ExpandInputs(const std::vector<std::string>& inputs) {
  std::vector<std::string> files;
  for (const std::string& input : inputs) {
    std::error_code error;
    if (!fs::is_directory(input, error)) {
      files.push_back(input);
      continue;
    }
    std::vector<std::string> found;
    for (auto it = fs::recursive_directory_iterator(input, error); !error && it != fs::recursive_directory_iterator();
         it.increment(error)) {
      const std::string name = it->path().filename().string();
      if (!name.empty() && name[0] == '.') {
        if (it->is_directory()) it.disable_recursion_pending();
        continue;
      }
      if (it->is_regular_file()) found.push_back(it->path().string());
    }
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

int Main(int argc, char** argv) {
  CLI::App app{"Classifies images with a model that train wrote. Prints path<TAB>label<TAB>probability per "
               "image, or JSON lines with --json. Unreadable files are reported and skipped; the exit status is "
               "1 when any failed."};
  CommonOptions common;
  AddCommonOptions(app, &common, ManifestOption::kOmit);  // predict reads a run folder, never a manifest
  std::string model_dir;
  std::vector<std::string> inputs;
  bool tta = false, json = false;
  int threads = 0;
  app.add_option("--model", model_dir, "Run folder that train wrote (runs/NAME)")->required();
  app.add_option("inputs", inputs, "Image files or folders (searched recursively)")->required();
  app.add_flag("--tta", tta, "Average the probabilities over flipped and cropped views (slower)");
  app.add_flag("--json", json, "Print one JSON object per image");
  app.add_option("--threads", threads, "CPU threads for LibTorch (default: every core)")->check(CLI::Range(1, 1024));
  if (int exit_code = ParseCommandLine(app, argc, argv); exit_code >= 0) return exit_code;
  ApplyCommonOptions(common);
  at::set_num_threads(std::max(1, threads > 0 ? threads : static_cast<int>(std::thread::hardware_concurrency())));

  std::unique_ptr<Predictor> predictor;
  Status status = Predictor::Load(model_dir, &predictor);
  if (!status.ok()) {
    SMALLSET_LOG_ERROR("%s", status.message().c_str());
    return kExitFailure;
  }
  tta = tta || predictor->tta_default();

  int failed = 0;
  const std::vector<std::string> files = ExpandInputs(inputs);
  for (const std::string& path : files) {
    std::string bytes;
    Prediction prediction;
    status = ReadFile(path, &bytes);
    if (status.ok()) status = predictor->Predict(bytes, tta, &prediction);
    if (!status.ok()) {
      failed += 1;
      SMALLSET_LOG_ERROR("%s: %s", path.c_str(), status.message().c_str());
      if (json) std::printf("%s\n", nlohmann::json{{"path", path}, {"error", status.message()}}.dump().c_str());
      continue;
    }
    if (json) {
      nlohmann::json probabilities;
      for (size_t c = 0; c < prediction.probabilities.size(); ++c) {
        probabilities[predictor->classes()[c]] = prediction.probabilities[c];
      }
      std::printf("%s\n", nlohmann::json{{"path", path},
                                         {"label", prediction.label},
                                         {"probability", prediction.probability},
                                         {"probabilities", probabilities}}
                              .dump()
                              .c_str());
    } else {
      std::printf("%s\t%s\t%.4f\n", path.c_str(), prediction.label.c_str(), prediction.probability);
    }
    std::fflush(stdout);
  }
  if (failed > 0) {
    SMALLSET_LOG_ERROR("%d of %zu files could not be classified", failed, files.size());
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace
}  // namespace smallset

int main(int argc, char** argv) { return smallset::Main(argc, argv); }
