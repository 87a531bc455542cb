#include "curate/summary.h"

#include <nlohmann/json.hpp>

#include "common/log.h"

namespace smallset {
namespace {

// "too small: 16x16 < 64" and "too small: 20x30 < 64" count as one reason.
std::string ReasonKind(const std::string& reason) {
  const size_t colon = reason.find(':');
  return colon == std::string::npos ? reason : reason.substr(0, colon);
}

void AddToLabel(LabelCounts* counts, const std::string& status, const std::string& split, int64_t n) {
  if (status == "kept") {
    counts->kept += n;
    if (split == "train") counts->train += n;
    else if (split == "valid") counts->valid += n;
    else if (split == "test") counts->test += n;
    else counts->pool += n;
  } else if (status == "duplicate") {
    counts->duplicate += n;
  } else if (status == "conflict") {
    counts->conflict += n;
  } else if (status == "defective") {
    counts->defective += n;
  } else if (status == "rejected") {
    counts->rejected += n;
  } else {
    counts->pending += n;
  }
}

}  // namespace

Status CountManifest(Manifest* manifest, CurateSummary* summary) {
  for (const char* status : {"new", "kept", "duplicate", "conflict", "defective", "rejected"}) summary->statuses[status] = 0;
  summary->labels.clear();
  summary->defect_reasons.clear();
  summary->skipped_files.clear();
  summary->images = 0;

  Statement by_label =
      manifest->Prepare("SELECT label, status, COALESCE(split, ''), COUNT(*) FROM images GROUP BY label, status, split");
  while (by_label.Next()) {
    const int64_t n = by_label.Int(3);
    summary->images += n;
    summary->statuses[by_label.Text(1)] += n;
    AddToLabel(&summary->labels[by_label.Text(0)], by_label.Text(1), by_label.Text(2), n);
  }
  SMALLSET_RETURN_IF_ERROR(by_label.status());

  Statement reasons = manifest->Prepare("SELECT reason, COUNT(*) FROM images WHERE status = 'defective' GROUP BY reason");
  while (reasons.Next()) summary->defect_reasons[ReasonKind(reasons.Text(0))] += reasons.Int(1);
  SMALLSET_RETURN_IF_ERROR(reasons.status());

  Statement skipped = manifest->Prepare(
      "SELECT COALESCE(last_error, status), COUNT(*) FROM candidates WHERE status IN ('skipped', 'failed') "
      "GROUP BY 1");
  while (skipped.Next()) summary->skipped_files[ReasonKind(skipped.Text(0))] += skipped.Int(1);
  return skipped.status();
}

std::string SummaryText(const CurateSummary& summary) {
  std::string text;
  if (summary.imported) {
    text += StringPrintf("imported %lld files under %lld %s: %lld stored, %lld already stored, %lld skipped, "
                         "%lld seen before\n",
                         (long long)summary.import.files, (long long)summary.import.labels,
                         summary.import.labels == 1 ? "label" : "labels",
                         (long long)summary.import.stored, (long long)summary.import.duplicates,
                         (long long)summary.import.skipped, (long long)summary.import.known);
  }
  text += StringPrintf("validated %lld new images: %lld valid, %lld defective\n",
                       (long long)(summary.validate.decoded + summary.validate.defective),
                       (long long)summary.validate.decoded, (long long)summary.validate.defective);
  const auto& s = summary.statuses;
  text += StringPrintf("%lld images: %lld kept, %lld duplicate, %lld conflict, %lld defective, %lld rejected, %lld new\n",
                       (long long)summary.images, (long long)s.at("kept"), (long long)s.at("duplicate"),
                       (long long)s.at("conflict"), (long long)s.at("defective"), (long long)s.at("rejected"),
                       (long long)s.at("new"));
  if (summary.split) {
    text += StringPrintf("split %s, seed %s%s\n", summary.split->c_str(), summary.seed.c_str(),
                         summary.split_from_settings ? " (stored by an earlier --split)" : "");
  } else {
    text += "no split (pass --split TRAIN:VALID[:TEST])\n";
  }

  text += StringPrintf("%-24s %7s %7s %7s %7s %7s %9s %8s %9s %8s\n", "label", "kept", "train", "valid", "test",
                       "pool", "duplicate", "conflict", "defective", "rejected");
  for (const auto& [label, c] : summary.labels) {
    text += StringPrintf("%-24s %7lld %7lld %7lld %7lld %7lld %9lld %8lld %9lld %8lld\n", label.c_str(),
                         (long long)c.kept, (long long)c.train, (long long)c.valid, (long long)c.test,
                         (long long)c.pool, (long long)c.duplicate, (long long)c.conflict, (long long)c.defective,
                         (long long)c.rejected);
  }
  for (const auto& [reason, n] : summary.defect_reasons) text += StringPrintf("defective: %s: %lld\n", reason.c_str(), (long long)n);
  for (const auto& [reason, n] : summary.skipped_files) text += StringPrintf("not stored: %s: %lld\n", reason.c_str(), (long long)n);

  int64_t conflicts = 0, groups = 0;
  for (const DuplicateGroup& group : summary.decide.groups) (group.conflict ? conflicts : groups)++;
  text += StringPrintf("near-duplicate groups: %lld (pHash distance <= %d), conflicts: %lld\n", (long long)groups,
                       summary.phash_distance, (long long)conflicts);
  for (const DuplicateGroup& group : summary.decide.groups) {
    if (!group.conflict) continue;
    std::string ids;
    for (int64_t id : group.ids) ids += (ids.empty() ? "" : ", ") + std::to_string(id);
    text += StringPrintf("conflict: images %s: %s\n", ids.c_str(), ConflictReason(group.labels).c_str());
  }
  for (const std::string& warning : summary.warnings) text += "warning: " + warning + "\n";
  return text;
}

std::string SummaryJson(const CurateSummary& summary) {
  nlohmann::json out;
  out["images"] = summary.images;
  out["statuses"] = summary.statuses;
  nlohmann::json labels = nlohmann::json::object();
  for (const auto& [label, c] : summary.labels) {
    labels[label] = {{"kept", c.kept},           {"train", c.train},         {"valid", c.valid},
                     {"test", c.test},           {"pool", c.pool},           {"duplicate", c.duplicate},
                     {"conflict", c.conflict},   {"defective", c.defective}, {"rejected", c.rejected},
                     {"new", c.pending}};
  }
  out["labels"] = labels;
  out["defect_reasons"] = summary.defect_reasons;
  out["skipped_files"] = summary.skipped_files;
  out["split"] = summary.split ? nlohmann::json(*summary.split) : nlohmann::json(nullptr);
  out["split_from_settings"] = summary.split_from_settings;
  out["seed"] = summary.seed;
  out["phash_distance"] = summary.phash_distance;
  out["validated"] = {{"valid", summary.validate.decoded}, {"defective", summary.validate.defective}};
  if (summary.imported) {
    out["imported"] = {{"labels", summary.import.labels},   {"files", summary.import.files},
                       {"stored", summary.import.stored},   {"already_stored", summary.import.duplicates},
                       {"skipped", summary.import.skipped}, {"seen_before", summary.import.known}};
  }
  nlohmann::json groups = nlohmann::json::array();
  for (const DuplicateGroup& group : summary.decide.groups) {
    nlohmann::json entry = {{"ids", group.ids}, {"labels", group.labels}, {"conflict", group.conflict}};
    entry["keeper"] = group.keeper ? nlohmann::json(*group.keeper) : nlohmann::json(nullptr);
    if (group.conflict) entry["reason"] = ConflictReason(group.labels);
    groups.push_back(entry);
  }
  out["groups"] = groups;
  out["changed_images"] = summary.decide.changed_images;
  out["warnings"] = summary.warnings;
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace smallset
