// curate: validate, normalise, deduplicate and split the images in a smallset manifest.
#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdio>
#include <thread>

#include "common/cli_options.h"
#include "common/exit_code.h"
#include "common/interrupt.h"
#include "common/log.h"
#include "common/terminal.h"
#include "curate/near_pairs.h"
#include "curate/split.h"
#include "curate/run.h"

namespace {

using smallset::Status;

// "50M", "2.5G", "1000000": a pixel count with an optional decimal suffix K, M or G.
bool ParsePixelCount(const std::string& text, int64_t* value) {
  if (text.empty()) return false;
  double multiplier = 1;
  std::string number = text;
  switch (text.back()) {
    case 'K': case 'k': multiplier = 1e3; number.pop_back(); break;
    case 'M': case 'm': multiplier = 1e6; number.pop_back(); break;
    case 'G': case 'g': multiplier = 1e9; number.pop_back(); break;
    default: break;
  }
  char* end = nullptr;
  const double parsed = std::strtod(number.c_str(), &end);
  if (number.empty() || end != number.c_str() + number.size() || !(parsed > 0) || parsed * multiplier > 1e15) return false;
  *value = int64_t(std::llround(parsed * multiplier));
  return true;
}

int ExitCodeFor(const Status& status) {
  switch (status.code()) {
    case Status::Code::kInvalidArgument: return smallset::kExitUsage;
    case Status::Code::kInterrupted: return smallset::kExitInterrupted;
    default: return smallset::kExitFailure;
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "curate: validate, normalise, deduplicate and split the images in a smallset manifest.\n"
      "Decides every image not yet decided: defective (with the reason), near-duplicate, conflict (the same\n"
      "picture under several labels) or kept, then assigns kept images to train/valid[/test] per label.\n"
      "Without --split it applies the split stored by the last --split, if there is one."};
  smallset::CommonOptions common;
  smallset::AddCommonOptions(app, &common);

  smallset::CurateOptions options;
  std::string split, seed, max_pixels = "50M", import_dir, export_dir, report_path;
  int phash_distance = -1;
  std::vector<std::string> relabel;
  bool json = false;
  int threads = int(std::max(1u, std::thread::hardware_concurrency()));

  app.add_option("--split", split,
                 "Per-label split TRAIN:VALID[:TEST] as counts (135:20) or fractions (0.8:0.2); stored for later runs");
  app.add_option("--seed", seed, "Seed of the split order (text; default: the stored seed, else 0)");
  app.add_option("--min-side", options.min_side, "Minimum width and height in pixels; smaller images are defective")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app.add_option("--max-pixels", max_pixels,
                 "Maximum width*height read from the header, with optional suffix K/M/G (decimal)")
      ->capture_default_str();
  app.add_option("--phash-distance", phash_distance,
                 "Near-duplicate threshold in bits of pHash Hamming distance, 0-16 (default: the stored value, else " +
                     std::to_string(smallset::kDefaultPhashDistance) + ")")
      ->check(CLI::Range(0, smallset::kMaxNearDistance));
  app.add_flag("--allow-short", options.allow_short,
               "Split labels with too few images anyway: validation first, then test, then train, with a warning");
  app.add_flag("--resplit", options.resplit, "Reassign every split from scratch (the only way to reshuffle)");
  app.add_option("--import", import_dir, "Register a folder-per-class tree DIR/<label>/<images> before curating")
      ->type_name("DIR");
  app.add_option("--reject", options.decisions.reject, "Reject images by sha256 or unique prefix (6+ hex digits)")
      ->type_name("SHA")
      ->expected(1, -1);
  app.add_option("--accept", options.decisions.accept,
                 "Accept images by sha256 or prefix: kept even as a near-duplicate or conflict")
      ->type_name("SHA")
      ->expected(1, -1);
  app.add_option("--relabel", relabel, "Move one image (sha256 or prefix) to LABEL; repeat for more")
      ->type_name("SHA LABEL")
      ->type_size(2)
      ->expected(1, 1000)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--export", export_dir, "Write the split as an ImageFolder tree with dataset.csv into DIR")
      ->type_name("DIR");
  app.add_option("--report", report_path, "Write a self-contained HTML report to FILE")->type_name("FILE");
  app.add_flag("--json", json, "Print the summary as one JSON object instead of text");
  app.add_option("--jobs", threads, "Decoding threads (default: number of cores)")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  if (int exit_code = smallset::ParseCommandLine(app, argc, argv); exit_code >= 0) return exit_code;
  smallset::ApplyCommonOptions(common);
  smallset::InstallInterruptHandlers();

  options.manifest_path = common.manifest;
  if (app.count("--split") > 0) {
    // Checked here so that a malformed split is a usage error even before the manifest is opened.
    smallset::SplitSpec spec;
    if (Status parsed = smallset::ParseSplitSpec(split, &spec); !parsed.ok()) {
      std::fprintf(stderr, "curate: %s\n", parsed.message().c_str());
      return smallset::kExitUsage;
    }
    options.split = split;
  }
  if (!seed.empty()) options.seed = seed;
  if (phash_distance >= 0) options.phash_distance = phash_distance;
  if (!ParsePixelCount(max_pixels, &options.max_pixels)) {
    std::fprintf(stderr, "curate: invalid --max-pixels \"%s\": give a pixel count such as 50000000 or 50M\n",
                 max_pixels.c_str());
    return smallset::kExitUsage;
  }
  if (relabel.size() % 2 != 0) {
    std::fprintf(stderr, "curate: --relabel takes pairs: --relabel SHA LABEL [--relabel SHA LABEL ...]\n");
    return smallset::kExitUsage;
  }
  for (size_t i = 0; i + 1 < relabel.size(); i += 2) options.decisions.relabel.emplace_back(relabel[i], relabel[i + 1]);
  if (!import_dir.empty()) options.import_dir = import_dir;
  if (!export_dir.empty()) options.export_dir = export_dir;
  if (!report_path.empty()) options.report_path = report_path;
  options.threads = threads;
  options.show_progress = !common.quiet && !json;

  smallset::CurateSummary summary;
  Status status = smallset::RunCurate(options, &summary);
  if (!status.ok()) {
    std::fprintf(stderr, "curate: %s\n", status.message().c_str());
    return ExitCodeFor(status);
  }
  const std::string text = json ? smallset::SummaryJson(summary) + "\n" : smallset::SummaryText(summary);
  std::fwrite(text.data(), 1, text.size(), stdout);
  return smallset::kExitOk;
}
