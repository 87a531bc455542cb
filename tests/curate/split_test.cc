// The per-label split plan: parsing, seed order, stability and short labels.
#include "curate/split.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "common/sha256.h"

namespace smallset {
namespace {

std::vector<SplitCandidate> Candidates(int first_id, int count) {
  std::vector<SplitCandidate> candidates;
  for (int id = first_id; id < first_id + count; ++id) {
    candidates.push_back(SplitCandidate{id, Sha256Hex("image " + std::to_string(id)), std::nullopt});
  }
  return candidates;
}

SplitSpec Spec(const std::string& text) {
  SplitSpec spec;
  REQUIRE(ParseSplitSpec(text, &spec).ok());
  return spec;
}

LabelSplitPlan Plan(const std::vector<SplitCandidate>& candidates, const std::string& spec, const std::string& seed = "0",
                    bool resplit = false) {
  LabelSplitPlan plan;
  Status status = PlanLabelSplit("glasses", candidates, Spec(spec), seed, false, resplit, &plan);
  REQUIRE_MESSAGE(status.ok(), status.ToString());
  return plan;
}

// Copies the plan's assignments into the candidates, as the next run would read them.
void Apply(const LabelSplitPlan& plan, std::vector<SplitCandidate>* candidates) {
  for (SplitCandidate& candidate : *candidates) candidate.current = plan.assignment.at(candidate.id);
}

int CountIn(const LabelSplitPlan& plan, std::optional<SplitName> split) {
  int count = 0;
  for (const auto& [id, assigned] : plan.assignment) count += assigned == split;
  return count;
}

}  // namespace

TEST_CASE("split spec parses counts and fractions") {
  SplitSpec spec = Spec("135:20");
  CHECK_FALSE(spec.fractions);
  CHECK(spec.train == 135);
  CHECK(spec.valid == 20);
  CHECK(spec.test == 0);

  spec = Spec("0.7:0.2:0.1");
  CHECK(spec.fractions);
  CHECK(spec.test == doctest::Approx(0.1));

  SplitSpec ignored;
  for (const char* bad : {"", "135", "135:", "a:b", "1:2:3:4", "0.5:20", "0.8:0.3", "-1:5", "1.5:2", "0:0"}) {
    CAPTURE(bad);
    CHECK(ParseSplitSpec(bad, &ignored).code() == Status::Code::kInvalidArgument);
  }
}

TEST_CASE("split fractions round per label") {
  const SplitCounts counts = TargetCounts(Spec("0.8:0.2"), 131);
  CHECK(counts.valid == 26);
  CHECK(counts.train == 105);
  CHECK(counts.test == 0);

  const SplitCounts partial = TargetCounts(Spec("0.5:0.1"), 100);
  CHECK(partial.train == 50);
  CHECK(partial.valid == 10);
}

TEST_CASE("split assigns exact counts and a pool") {
  const LabelSplitPlan plan = Plan(Candidates(1, 200), "135:20:10");
  CHECK(CountIn(plan, SplitName::kTrain) == 135);
  CHECK(CountIn(plan, SplitName::kValid) == 20);
  CHECK(CountIn(plan, SplitName::kTest) == 10);
  CHECK(CountIn(plan, std::nullopt) == 35);
  CHECK(plan.counts.Total() == 165);
}

TEST_CASE("split depends on seed, not input order") {
  std::vector<SplitCandidate> candidates = Candidates(1, 50);
  const LabelSplitPlan forward = Plan(candidates, "30:10");
  std::reverse(candidates.begin(), candidates.end());
  const LabelSplitPlan backward = Plan(candidates, "30:10");
  CHECK(forward.assignment == backward.assignment);

  const LabelSplitPlan other_seed = Plan(candidates, "30:10", "7");
  CHECK(other_seed.assignment != forward.assignment);
}

TEST_CASE("split keeps earlier assignments as images arrive") {
  std::vector<SplitCandidate> candidates = Candidates(1, 40);
  const LabelSplitPlan first = Plan(candidates, "30:10");
  Apply(first, &candidates);

  std::vector<SplitCandidate> grown = candidates;
  for (const SplitCandidate& extra : Candidates(1000, 60)) grown.push_back(extra);
  const LabelSplitPlan second = Plan(grown, "60:20");
  for (const auto& [id, split] : first.assignment) {
    CAPTURE(id);
    CHECK(second.assignment.at(id) == split);
  }
  CHECK(CountIn(second, SplitName::kTrain) == 60);
  CHECK(CountIn(second, SplitName::kValid) == 20);
}

TEST_CASE("split shrinks by releasing to the pool") {
  std::vector<SplitCandidate> candidates = Candidates(1, 100);
  const LabelSplitPlan first = Plan(candidates, "60:20");
  Apply(first, &candidates);
  const LabelSplitPlan smaller = Plan(candidates, "40:20");
  CHECK(CountIn(smaller, SplitName::kTrain) == 40);
  for (const auto& [id, split] : smaller.assignment) {
    CAPTURE(id);
    if (split) CHECK(first.assignment.at(id) == split);  // nothing moved between splits
    if (first.assignment.at(id) == SplitName::kValid) CHECK(split == SplitName::kValid);
  }
}

TEST_CASE("split resplit reshuffles") {
  std::vector<SplitCandidate> candidates = Candidates(1, 100);
  const LabelSplitPlan first = Plan(candidates, "60:20");
  Apply(first, &candidates);
  const LabelSplitPlan same_seed = Plan(candidates, "60:20", "9");
  CHECK(same_seed.assignment == first.assignment);  // a new seed alone moves nothing
  const LabelSplitPlan reshuffled = Plan(candidates, "60:20", "9", true);
  CHECK(reshuffled.assignment != first.assignment);
}

TEST_CASE("split reports a short label") {
  LabelSplitPlan plan;
  Status status = PlanLabelSplit("glasses", Candidates(1, 131), Spec("135:20"), "0", false, false, &plan);
  CHECK(status.message() == "glasses: 131 usable images, --split 135:20 needs 155");

  status = PlanLabelSplit("lonely", Candidates(1, 1), Spec("135:20"), "0", false, false, &plan);
  CHECK(status.message() == "lonely: 1 usable image, --split 135:20 needs 155");
}

TEST_CASE("split allow-short fills validation first") {
  LabelSplitPlan plan;
  REQUIRE(PlanLabelSplit("glasses", Candidates(1, 131), Spec("135:20"), "0", true, false, &plan).ok());
  CHECK(CountIn(plan, SplitName::kValid) == 20);
  CHECK(CountIn(plan, SplitName::kTrain) == 111);
  CHECK(plan.warning.find("glasses: 131 usable images, --split 135:20 needs 155") == 0);

  REQUIRE(PlanLabelSplit("lonely", Candidates(1, 1), Spec("135:20"), "0", true, false, &plan).ok());
  CHECK(CountIn(plan, SplitName::kValid) == 1);
  CHECK(CountIn(plan, SplitName::kTrain) == 0);
}

}  // namespace smallset
