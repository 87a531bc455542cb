// The deciding step of a curate run: near-duplicate groups, conflicts and the split,
// computed from everything validated so far and written in one transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/manifest.h"
#include "common/status.h"
#include "curate/grouping.h"
#include "curate/split.h"

namespace smallset {

struct DecideOptions {
  int phash_distance = 8;
  std::optional<SplitSpec> split;  // none: keep existing assignments, assign nothing new
  std::string seed = "0";
  bool allow_short = false;
  bool resplit = false;
  int threads = 1;
  std::vector<std::pair<std::string, std::string>> settings;  // written in the same transaction
};

struct DecideResult {
  std::vector<DuplicateGroup> groups;  // groups of two or more, and conflicts
  std::vector<std::string> warnings;   // --allow-short shortfalls
  int64_t changed_images = 0;          // rows whose status, reason, duplicate_of or split changed
};

// Recomputes the groups over every validated image (so an image crawled later is compared
// with those kept before), decides each image and, with a split, assigns splits per
// label. Earlier decisions are stable: a kept image with a split stays the keeper of its
// group and keeps its split. Writes only rows that change, all in one transaction. When a
// label is too short for the split (and !allow_short), it writes nothing and returns
// Failed listing every short label.
Status DecideAndSplit(Manifest* manifest, const DecideOptions& options, DecideResult* result);

}  // namespace smallset
