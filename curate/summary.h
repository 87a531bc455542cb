// Counts of the manifest after a curate run, for the summary on stdout, --json and the
// report.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/manifest.h"
#include "common/status.h"
#include "curate/decide.h"
#include "curate/import.h"
#include "curate/validate.h"

namespace smallset {

struct LabelCounts {
  int64_t kept = 0;
  int64_t train = 0;
  int64_t valid = 0;
  int64_t test = 0;
  int64_t pool = 0;  // kept without a split
  int64_t duplicate = 0;
  int64_t conflict = 0;
  int64_t defective = 0;
  int64_t rejected = 0;
  int64_t pending = 0;  // status 'new': not decided yet
};

struct CurateSummary {
  int64_t images = 0;
  std::map<std::string, int64_t> statuses;        // every status, zeros included
  std::map<std::string, LabelCounts> labels;      // by current label
  std::map<std::string, int64_t> defect_reasons;  // by reason, details after ':' dropped
  std::map<std::string, int64_t> skipped_files;   // candidates not stored, by reason
  std::optional<std::string> split;               // the split applied this run
  bool split_from_settings = false;               // taken from the stored setting, not --split
  std::string seed;
  int phash_distance = 0;
  ImportStats import;
  bool imported = false;
  ValidateStats validate;
  DecideResult decide;
  std::vector<std::string> warnings;
};

// Fills the counts from the manifest; the run's own fields are set by the caller.
Status CountManifest(Manifest* manifest, CurateSummary* summary);

std::string SummaryText(const CurateSummary& summary);
std::string SummaryJson(const CurateSummary& summary);

}  // namespace smallset
