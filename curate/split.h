// The per-label train/validation/test split: parsed from "135:20", "0.8:0.2" or
// "135:20:30", chosen deterministically from a seed and the images' sha256, and stable:
// an image that has a split keeps it, and new images fill what is missing.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace smallset {

enum class SplitName { kTrain, kValid, kTest };

const char* SplitNameText(SplitName split);                  // "train", "valid", "test"
std::optional<SplitName> ParseSplitName(const std::string& text);

struct SplitSpec {
  std::string text;          // as given, e.g. "135:20"
  bool fractions = false;    // "0.8:0.2": shares of each label's usable images
  double train = 0;
  double valid = 0;
  double test = 0;
};

// Accepts TRAIN:VALID or TRAIN:VALID:TEST, all counts (non-negative integers) or all
// fractions (0..1, summing to at most 1).
Status ParseSplitSpec(const std::string& text, SplitSpec* out);

struct SplitCounts {
  int64_t train = 0;
  int64_t valid = 0;
  int64_t test = 0;
  int64_t Total() const { return train + valid + test; }
};

// Returns the counts that `spec` requests of a label with `usable` images. Fractions round the validation
// and test shares to the nearest image, and give train the rest when the fractions sum to 1.
SplitCounts TargetCounts(const SplitSpec& spec, int64_t usable);

struct SplitCandidate {
  int64_t id = 0;
  std::string sha256;
  std::optional<SplitName> current;  // the split an earlier run assigned
};

struct LabelSplitPlan {
  std::map<int64_t, std::optional<SplitName>> assignment;  // every candidate's split after this run (nullopt: pool)
  SplitCounts counts;                                        // what was assigned
  std::string warning;                                       // set when --allow-short filled less than asked
};

// Plans one label's split. Candidates keep their current split unless `resplit` is set or
// a split has more images than its target (then the last images in seed order go back to the
// pool). The pool fills validation first, then test, then train, in seed order: the order
// of SHA-256(seed + "/" + sha256). Fails with "glasses: 131 usable images, --split 135:20
// needs 155" when the label is short, unless `allow_short`.
Status PlanLabelSplit(const std::string& label, const std::vector<SplitCandidate>& candidates, const SplitSpec& spec,
                      const std::string& seed, bool allow_short, bool resplit, LabelSplitPlan* plan);

}  // namespace smallset
