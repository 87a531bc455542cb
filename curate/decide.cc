#include "curate/decide.h"

#include <map>
#include <set>

#include "common/clock.h"
#include "common/log.h"
#include "curate/phash.h"

namespace smallset {
namespace {

struct ImageRow {
  int64_t id = 0;
  std::string sha256;
  std::string label;
  std::string status;
  std::optional<int64_t> phash;
  int64_t pixels = 0;
  std::optional<std::string> split;
  std::optional<std::string> reason;
  std::optional<int64_t> duplicate_of;
  std::string decision;
  std::set<std::string> labels;  // effective labels
};

// The status, reason, duplicate_of and split of a row after this run.
struct NewState {
  std::string status;
  std::optional<std::string> reason;
  std::optional<int64_t> duplicate_of;
  std::optional<std::string> split;
};

Status ReadImages(Manifest* manifest, std::map<int64_t, ImageRow>* rows) {
  Statement select = manifest->Prepare(
      "SELECT id, sha256, label, status, phash, COALESCE(width, 0) * COALESCE(height, 0), split, reason, duplicate_of, "
      "COALESCE(decision, ''), decision_label FROM images");
  while (select.Next()) {
    ImageRow row;
    row.id = select.Int(0);
    row.sha256 = select.Text(1);
    row.label = select.Text(2);
    row.status = select.Text(3);
    row.phash = select.OptionalInt(4);
    row.pixels = select.Int(5);
    row.split = select.OptionalText(6);
    row.reason = select.OptionalText(7);
    row.duplicate_of = select.OptionalInt(8);
    row.decision = select.Text(9);
    // A relabel is the only label; otherwise the label of every source that yielded these bytes.
    row.labels.insert(row.decision == "relabel" ? select.Text(10) : row.label);
    (*rows)[row.id] = std::move(row);
  }
  SMALLSET_RETURN_IF_ERROR(select.status());

  Statement sources = manifest->Prepare(
      "SELECT DISTINCT c.image_id, q.label FROM candidates c JOIN queries q ON q.id = c.query_id "
      "WHERE c.image_id IS NOT NULL AND c.status IN ('stored', 'duplicate')");
  while (sources.Next()) {
    auto found = rows->find(sources.Int(0));
    if (found != rows->end() && found->second.decision != "relabel") found->second.labels.insert(sources.Text(1));
  }
  return sources.status();
}

bool TakesPartInGrouping(const ImageRow& row) { return row.phash.has_value() && row.status != "defective"; }

const char* StatusText(MemberStatus status) {
  switch (status) {
    case MemberStatus::kKept: return "kept";
    case MemberStatus::kDuplicate: return "duplicate";
    case MemberStatus::kConflict: return "conflict";
    case MemberStatus::kRejected: return "rejected";
  }
  return "kept";
}

std::vector<GroupMember> BuildMembers(const std::map<int64_t, ImageRow>& rows) {
  std::vector<GroupMember> members;
  for (const auto& [id, row] : rows) {
    if (!TakesPartInGrouping(row)) continue;
    GroupMember member;
    member.id = id;
    member.phash = HashFromColumn(*row.phash);
    member.pixels = row.pixels;
    member.labels.assign(row.labels.begin(), row.labels.end());
    member.rejected = row.decision == "reject";
    member.accepted = row.decision == "accept";
    member.kept = row.status == "kept";
    member.has_split = member.kept && row.split.has_value();
    members.push_back(std::move(member));
  }
  return members;
}

// Splits per label; collects every short label before failing.
Status PlanSplits(const std::map<int64_t, ImageRow>& rows, std::map<int64_t, NewState>* states,
                  const DecideOptions& options, DecideResult* result) {
  std::map<std::string, std::vector<SplitCandidate>> by_label;
  // Every label must meet the split, except labels whose images arrived after validation
  // started (crawl may write while curate runs): the next run validates and splits them.
  for (const auto& [id, row] : rows) {
    if (row.decision == "reject" || (row.status == "new" && !row.phash)) continue;
    for (const std::string& label : row.labels) by_label[label];
  }
  for (const auto& [id, state] : *states) {
    if (state.status != "kept") continue;
    const ImageRow& row = rows.at(id);
    // An accepted image under several labels is split under the label it was stored with.
    const std::string label = row.labels.size() == 1 ? *row.labels.begin() : row.label;
    SplitCandidate candidate{id, row.sha256, std::nullopt};
    if (row.status == "kept" && row.split) candidate.current = ParseSplitName(*row.split);
    by_label[label].push_back(candidate);
  }

  std::string shortfalls;
  for (const auto& [label, candidates] : by_label) {
    LabelSplitPlan plan;
    Status status = PlanLabelSplit(label, candidates, *options.split, options.seed, options.allow_short,
                                   options.resplit, &plan);
    if (!status.ok()) {
      shortfalls += (shortfalls.empty() ? "" : "\n") + status.message();
      continue;
    }
    if (!plan.warning.empty()) result->warnings.push_back(plan.warning);
    for (const auto& [id, split] : plan.assignment) {
      (*states)[id].split = split ? std::optional<std::string>(SplitNameText(*split)) : std::nullopt;
    }
  }
  if (!shortfalls.empty()) {
    return Status::Failed(shortfalls + "\nnothing was split; add images, lower the counts, or pass --allow-short");
  }
  return Status::Ok();
}

Status WriteChanges(Manifest* manifest, const std::map<int64_t, ImageRow>& rows,
                    const std::map<int64_t, NewState>& states, DecideResult* result) {
  const std::string now = NowUtcIso8601();
  Statement update = manifest->Prepare(
      "UPDATE images SET status = ?, reason = ?, duplicate_of = ?, split = ?, curated_at = ? WHERE id = ?");
  for (const auto& [id, state] : states) {
    const ImageRow& row = rows.at(id);
    if (row.status == state.status && row.reason == state.reason && row.duplicate_of == state.duplicate_of &&
        row.split == state.split) {
      continue;
    }
    update.Bind(1, state.status).Bind(2, state.reason).Bind(3, state.duplicate_of).Bind(4, state.split);
    update.Bind(5, now).Bind(6, id);
    SMALLSET_RETURN_IF_ERROR(update.Run());
    update.Reset();
    ++result->changed_images;
  }
  return Status::Ok();
}

}  // namespace

Status DecideAndSplit(Manifest* manifest, const DecideOptions& options, DecideResult* result) {
  return manifest->WriteTransaction([&] {
    *result = DecideResult();
    std::map<int64_t, ImageRow> rows;
    SMALLSET_RETURN_IF_ERROR(ReadImages(manifest, &rows));

    std::vector<MemberDecision> decisions;
    DecideGroups(BuildMembers(rows), options.phash_distance, options.threads, &decisions, &result->groups);

    // Members get their decision, and a kept image keeps its split unless the split plan
    // changes it. Images outside grouping (defective, not yet validated) stay as they are.
    std::map<int64_t, NewState> states;
    for (const MemberDecision& decision : decisions) {
      const ImageRow& row = rows.at(decision.id);
      NewState& state = states[decision.id];
      state.status = StatusText(decision.status);
      if (!decision.reason.empty()) state.reason = decision.reason;
      state.duplicate_of = decision.duplicate_of;
      if (state.status == "kept" && row.status == "kept") state.split = row.split;
    }
    if (options.split) SMALLSET_RETURN_IF_ERROR(PlanSplits(rows, &states, options, result));
    SMALLSET_RETURN_IF_ERROR(WriteChanges(manifest, rows, states, result));
    for (const auto& [key, value] : options.settings) SMALLSET_RETURN_IF_ERROR(manifest->PutSetting(key, value));
    return Status::Ok();
  });
}

}  // namespace smallset
