// One curate run: import, record decisions, validate new images, decide groups and the
// split, then export and report. main.cc maps the command line onto CurateOptions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/status.h"
#include "curate/decisions.h"
#include "curate/summary.h"

namespace smallset {

// Settings keys. A scheduled refresh runs curate without --split, and the stored split
// (with its seed and pHash distance) is applied again.
constexpr char kSplitSetting[] = "curate.split";
constexpr char kSeedSetting[] = "curate.seed";
constexpr char kPhashDistanceSetting[] = "curate.phash_distance";

// Default near-duplicate threshold, chosen from measurements (docs/benchmarks.md):
// resized, recompressed and format-converted copies are 0 bits apart, a 3 % crop on each
// side of a test scene 6, and 1 % crops of synthetic scenes up to 8. The closest unrelated
// pairs are 12-14 bits apart in web photos, ImageNet photos and synthetic shapes. Aligned faces are the exception: 21 of 4.5 million unrelated CelebA pairs are
// within 8, so such sets are better curated with --phash-distance 4.
constexpr int kDefaultPhashDistance = 8;

struct CurateOptions {
  std::string manifest_path = "data.db";
  std::optional<std::string> split;   // --split; none: the stored split, if any
  std::optional<std::string> seed;    // --seed; none: the stored seed, or "0"
  int min_side = 64;
  int64_t max_pixels = 50'000'000;
  std::optional<int> phash_distance;  // none: the stored distance, or kDefaultPhashDistance
  bool allow_short = false;
  bool resplit = false;
  std::optional<std::string> import_dir;
  HumanDecisions decisions;
  std::optional<std::string> export_dir;
  std::optional<std::string> report_path;
  int threads = 1;
  bool show_progress = true;
};

// Runs curate. The summary is filled as far as the run got.
Status RunCurate(const CurateOptions& options, CurateSummary* summary);

}  // namespace smallset
