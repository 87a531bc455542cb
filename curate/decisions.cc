#include "curate/decisions.h"

#include <algorithm>
#include <cctype>

#include "common/clock.h"
#include "common/log.h"

namespace smallset {
namespace {

struct ResolvedImage {
  int64_t id = 0;
  std::string sha256;
  std::string status;
  std::string reason;
};

// Finds the one image whose sha256 starts with `prefix` (lower-case hex, 6 to 64 characters).
Status Resolve(Manifest* manifest, const std::string& option, std::string prefix, ResolvedImage* out) {
  std::transform(prefix.begin(), prefix.end(), prefix.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  const bool hex = !prefix.empty() && std::all_of(prefix.begin(), prefix.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
  if (!hex || prefix.size() < 6 || prefix.size() > 64) {
    return Status::InvalidArgument(option + " \"" + prefix + "\" is not a sha256 or a prefix of one (6 to 64 hex digits)");
  }
  Statement select = manifest->Prepare(
      "SELECT id, sha256, status, COALESCE(reason, '') FROM images WHERE substr(sha256, 1, ?) = ? LIMIT 2");
  select.Bind(1, int64_t(prefix.size())).Bind(2, prefix);
  int found = 0;
  while (select.Next()) {
    ++found;
    *out = ResolvedImage{select.Int(0), select.Text(1), select.Text(2), select.Text(3)};
  }
  SMALLSET_RETURN_IF_ERROR(select.status());
  if (found == 0) return Status::NotFound(option + " " + prefix + ": no image has a sha256 starting with it");
  if (found > 1) return Status::InvalidArgument(option + " " + prefix + " matches several images; give more digits");
  return Status::Ok();
}

Status Reject(Manifest* manifest, const ResolvedImage& image, const std::string& now) {
  Statement update = manifest->Prepare(
      "UPDATE images SET decision = 'reject', decision_label = NULL, decided_at = ?, status = 'rejected', "
      "reason = 'rejected by a person', split = NULL, duplicate_of = NULL, curated_at = ? WHERE id = ?");
  update.Bind(1, now).Bind(2, now).Bind(3, image.id);
  return update.Run();
}

// An accepted image that a person had rejected goes back to 'new', so this run decides it
// again (and validates it if it never was).
Status Accept(Manifest* manifest, const ResolvedImage& image, const std::string& now, std::vector<std::string>* warnings) {
  if (image.status == "defective") {
    warnings->push_back("--accept " + image.sha256.substr(0, 12) + ": the file is defective (" + image.reason +
                        ") and stays excluded; --accept overrides duplicate and conflict decisions only");
  }
  Statement update = manifest->Prepare(
      "UPDATE images SET decision = 'accept', decision_label = NULL, decided_at = ?, "
      "status = CASE status WHEN 'rejected' THEN 'new' ELSE status END, "
      "reason = CASE status WHEN 'rejected' THEN NULL ELSE reason END WHERE id = ?");
  update.Bind(1, now).Bind(2, image.id);
  return update.Run();
}

Status Relabel(Manifest* manifest, const ResolvedImage& image, const std::string& label, const std::string& now) {
  if (label.empty()) return Status::InvalidArgument("--relabel " + image.sha256.substr(0, 12) + ": the new label is empty");
  Statement update = manifest->Prepare(
      "UPDATE images SET decision = 'relabel', decision_label = ?, label = ?, decided_at = ?, split = NULL, "
      "status = CASE status WHEN 'rejected' THEN 'new' ELSE status END WHERE id = ?");
  update.Bind(1, label).Bind(2, label).Bind(3, now).Bind(4, image.id);
  return update.Run();
}

}  // namespace

Status RecordDecisions(Manifest* manifest, const HumanDecisions& decisions, std::vector<std::string>* warnings) {
  if (decisions.empty()) return Status::Ok();
  return manifest->WriteTransaction([&] {
    const std::string now = NowUtcIso8601();
    for (const std::string& prefix : decisions.reject) {
      ResolvedImage image;
      SMALLSET_RETURN_IF_ERROR(Resolve(manifest, "--reject", prefix, &image));
      SMALLSET_RETURN_IF_ERROR(Reject(manifest, image, now));
      SMALLSET_LOG_INFO("rejected image %lld (%s)", (long long)image.id, image.sha256.c_str());
    }
    for (const std::string& prefix : decisions.accept) {
      ResolvedImage image;
      SMALLSET_RETURN_IF_ERROR(Resolve(manifest, "--accept", prefix, &image));
      SMALLSET_RETURN_IF_ERROR(Accept(manifest, image, now, warnings));
      SMALLSET_LOG_INFO("accepted image %lld (%s)", (long long)image.id, image.sha256.c_str());
    }
    for (const auto& [prefix, label] : decisions.relabel) {
      ResolvedImage image;
      SMALLSET_RETURN_IF_ERROR(Resolve(manifest, "--relabel", prefix, &image));
      SMALLSET_RETURN_IF_ERROR(Relabel(manifest, image, label, now));
      SMALLSET_LOG_INFO("relabelled image %lld (%s) as \"%s\"", (long long)image.id, image.sha256.c_str(), label.c_str());
    }
    return Status::Ok();
  });
}

}  // namespace smallset
