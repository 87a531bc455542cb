#include "curate/split.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "common/log.h"
#include "common/sha256.h"

namespace smallset {
namespace {

std::vector<std::string> SplitOnColons(const std::string& text) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t colon = text.find(':', start);
    parts.push_back(text.substr(start, colon - start));
    if (colon == std::string::npos) return parts;
    start = colon + 1;
  }
}

bool ParseNumber(const std::string& text, double* value) {
  if (text.empty()) return false;
  char* end = nullptr;
  *value = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size() && std::isfinite(*value) && *value >= 0;
}

int64_t& CountOf(SplitCounts& counts, SplitName split) {
  switch (split) {
    case SplitName::kTrain: return counts.train;
    case SplitName::kValid: return counts.valid;
    case SplitName::kTest: return counts.test;
  }
  return counts.train;
}

std::string PluralImages(int64_t count) {
  return StringPrintf("%lld usable image%s", (long long)count, count == 1 ? "" : "s");
}

// Reduces the targets to `usable` images: validation first, then test, then train.
SplitCounts ShortTargets(const SplitCounts& wanted, int64_t usable) {
  SplitCounts counts;
  counts.valid = std::min(wanted.valid, usable);
  counts.test = std::min(wanted.test, usable - counts.valid);
  counts.train = std::min(wanted.train, usable - counts.valid - counts.test);
  return counts;
}

}  // namespace

const char* SplitNameText(SplitName split) {
  switch (split) {
    case SplitName::kTrain: return "train";
    case SplitName::kValid: return "valid";
    case SplitName::kTest: return "test";
  }
  return "train";
}

std::optional<SplitName> ParseSplitName(const std::string& text) {
  if (text == "train") return SplitName::kTrain;
  if (text == "valid") return SplitName::kValid;
  if (text == "test") return SplitName::kTest;
  return std::nullopt;
}

Status ParseSplitSpec(const std::string& text, SplitSpec* out) {
  const std::string usage = "invalid --split \"" + text +
                            "\": expected TRAIN:VALID or TRAIN:VALID:TEST as counts (135:20) or fractions (0.8:0.2)";
  std::vector<std::string> parts = SplitOnColons(text);
  if (parts.size() != 2 && parts.size() != 3) return Status::InvalidArgument(usage);

  double values[3] = {0, 0, 0};
  int fraction_parts = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (!ParseNumber(parts[i], &values[i])) return Status::InvalidArgument(usage);
    if (parts[i].find('.') != std::string::npos) ++fraction_parts;
  }
  if (fraction_parts != 0 && fraction_parts != int(parts.size())) {
    return Status::InvalidArgument(usage + "; do not mix counts and fractions");
  }

  SplitSpec spec;
  spec.text = text;
  spec.fractions = fraction_parts != 0;
  spec.train = values[0];
  spec.valid = values[1];
  spec.test = values[2];
  if (spec.fractions && values[0] + values[1] + values[2] > 1.0 + 1e-9) {
    return Status::InvalidArgument(usage + "; fractions must sum to at most 1");
  }
  if (!spec.fractions) {
    for (double value : values) {
      if (value != std::floor(value)) return Status::InvalidArgument(usage);
    }
  }
  if (values[0] + values[1] + values[2] <= 0) return Status::InvalidArgument(usage + "; at least one part must be above 0");
  *out = spec;
  return Status::Ok();
}

SplitCounts TargetCounts(const SplitSpec& spec, int64_t usable) {
  SplitCounts counts;
  if (!spec.fractions) {
    counts.train = int64_t(spec.train);
    counts.valid = int64_t(spec.valid);
    counts.test = int64_t(spec.test);
    return counts;
  }
  counts.valid = std::llround(spec.valid * double(usable));
  counts.test = std::min<int64_t>(std::llround(spec.test * double(usable)), usable - counts.valid);
  const bool covers_all = spec.train + spec.valid + spec.test > 1.0 - 1e-9;
  counts.train = covers_all ? usable - counts.valid - counts.test
                            : std::min<int64_t>(std::llround(spec.train * double(usable)), usable - counts.valid - counts.test);
  return counts;
}

Status PlanLabelSplit(const std::string& label, const std::vector<SplitCandidate>& candidates, const SplitSpec& spec,
                      const std::string& seed, bool allow_short, bool resplit, LabelSplitPlan* plan) {
  *plan = LabelSplitPlan();
  const int64_t usable = int64_t(candidates.size());
  const SplitCounts wanted = TargetCounts(spec, usable);
  SplitCounts targets = wanted;
  if (usable < wanted.Total()) {
    std::string shortfall = StringPrintf("%s: %s, --split %s needs %lld", label.c_str(), PluralImages(usable).c_str(),
                                         spec.text.c_str(), (long long)wanted.Total());
    if (!allow_short) return Status::InvalidArgument(shortfall);
    targets = ShortTargets(wanted, usable);
    plan->warning = StringPrintf("%s; --allow-short assigns valid %lld, test %lld, train %lld", shortfall.c_str(),
                                 (long long)targets.valid, (long long)targets.test, (long long)targets.train);
  }

  // Seed order: the rank of each image, independent of the order rows were read.
  std::vector<std::pair<std::string, const SplitCandidate*>> ranked;
  ranked.reserve(candidates.size());
  for (const SplitCandidate& candidate : candidates) ranked.emplace_back(Sha256Hex(seed + "/" + candidate.sha256), &candidate);
  std::sort(ranked.begin(), ranked.end());

  // Keep current assignments up to each target, in seed order; the rest go to the pool.
  SplitCounts assigned;
  for (const auto& [rank, candidate] : ranked) {
    std::optional<SplitName> split = resplit ? std::nullopt : candidate->current;
    if (split && CountOf(assigned, *split) >= CountOf(targets, *split)) split.reset();
    if (split) ++CountOf(assigned, *split);
    plan->assignment[candidate->id] = split;
  }

  // Fill from the pool: validation first, then test, then train.
  for (const auto& [rank, candidate] : ranked) {
    std::optional<SplitName>& split = plan->assignment[candidate->id];
    if (split) continue;
    for (SplitName name : {SplitName::kValid, SplitName::kTest, SplitName::kTrain}) {
      if (CountOf(assigned, name) < CountOf(targets, name)) {
        split = name;
        ++CountOf(assigned, name);
        break;
      }
    }
  }
  plan->counts = assigned;
  return Status::Ok();
}

}  // namespace smallset
