#include "curate/report.h"

#include <cstdio>
#include <map>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "common/clock.h"
#include "common/html.h"
#include "common/image/decode.h"
#include "common/log.h"
#include "curate/phash.h"

namespace smallset {
namespace {

constexpr int kThumbnailSide = 96;
constexpr int kThumbnailsPerCell = 48;  // per label and split; the rest are counted
constexpr int kMaxGroupsShown = 200;
constexpr int kMaxRowsShown = 300;

struct ImageInfo {
  int64_t id = 0;
  std::string sha256;
  std::string path;
  std::string label;
  std::string status;
  std::string split;
  std::string reason;
  int64_t width = 0;
  int64_t height = 0;
  std::optional<int64_t> phash;
};

class ReportWriter {
 public:
  ReportWriter(Manifest* manifest, const ContentStore& store) : manifest_(manifest), store_(store) {}

  Status Load() {
    Statement select = manifest_->Prepare(
        "SELECT id, sha256, path, label, status, COALESCE(split, ''), COALESCE(reason, ''), COALESCE(width, 0), "
        "COALESCE(height, 0), phash FROM images ORDER BY id");
    while (select.Next()) {
      ImageInfo info{select.Int(0), select.Text(1), select.Text(2), select.Text(3), select.Text(4), select.Text(5),
                     select.Text(6), select.Int(7), select.Int(8), select.OptionalInt(9)};
      images_[info.id] = info;
    }
    return select.status();
  }

  // An <img> with a data: URI thumbnail, or a grey box for files that cannot be decoded.
  std::string Thumbnail(int64_t id) {
    const ImageInfo& info = images_.at(id);
    const std::string title = HtmlEscape(StringPrintf("#%lld %s %s %lldx%lld %s", (long long)id, info.sha256.substr(0, 12).c_str(),
                                                info.label.c_str(), (long long)info.width, (long long)info.height,
                                                info.reason.c_str()));
    std::string uri = ThumbnailUri(info);
    if (uri.empty()) return "<div class=\"missing\" title=\"" + title + "\">#" + std::to_string(id) + "</div>";
    return "<img src=\"" + uri + "\" title=\"" + title + "\" alt=\"#" + std::to_string(id) + "\">";
  }

  const std::map<int64_t, ImageInfo>& images() const { return images_; }

 private:
  std::string ThumbnailUri(const ImageInfo& info) {
    if (info.status == "defective") return "";
    std::string bytes;
    if (!ReadFile(store_.PathOf(info.path), &bytes).ok()) return "";
    DecodeOptions options;
    options.min_side = 1;
    options.target_short_side = kThumbnailSide;
    DecodedImage decoded;
    if (!DecodeImage(bytes, options, &decoded).ok()) return "";
    const double scale = double(kThumbnailSide) / std::max(decoded.rgb.cols, decoded.rgb.rows);
    cv::Mat small, bgr;
    cv::resize(decoded.rgb, small, cv::Size(std::max(1, int(decoded.rgb.cols * scale)), std::max(1, int(decoded.rgb.rows * scale))),
               0, 0, cv::INTER_AREA);
    cv::cvtColor(small, bgr, cv::COLOR_RGB2BGR);
    std::vector<uint8_t> jpeg;
    if (!cv::imencode(".jpg", bgr, jpeg, {cv::IMWRITE_JPEG_QUALITY, 75})) return "";
    return "data:image/jpeg;base64," + Base64Encode(std::string_view(reinterpret_cast<const char*>(jpeg.data()), jpeg.size()));
  }

  Manifest* manifest_;
  const ContentStore& store_;
  std::map<int64_t, ImageInfo> images_;
};

const char kStyle[] =
    "body{font-family:sans-serif;margin:1.5em;color:#222}table{border-collapse:collapse;margin:.5em 0}"
    "td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}td:first-child,th:first-child{text-align:left}"
    "img,.missing{width:96px;height:96px;object-fit:contain;background:#eee;margin:2px;vertical-align:top}"
    ".missing{display:inline-block;font-size:11px;text-align:center;line-height:96px}"
    ".group{border:1px solid #ddd;padding:4px;margin:4px 0}.keeper{outline:3px solid #2a2}.note{color:#666}";

std::string CountsTable(const CurateSummary& summary) {
  std::string html = "<table><tr><th>label</th><th>kept</th><th>train</th><th>valid</th><th>test</th><th>pool</th>"
                     "<th>duplicate</th><th>conflict</th><th>defective</th><th>rejected</th><th>new</th></tr>";
  for (const auto& [label, c] : summary.labels) {
    html += StringPrintf("<tr><td>%s</td><td>%lld</td><td>%lld</td><td>%lld</td><td>%lld</td><td>%lld</td><td>%lld</td>"
                         "<td>%lld</td><td>%lld</td><td>%lld</td><td>%lld</td></tr>",
                         HtmlEscape(label).c_str(), (long long)c.kept, (long long)c.train, (long long)c.valid,
                         (long long)c.test, (long long)c.pool, (long long)c.duplicate, (long long)c.conflict,
                         (long long)c.defective, (long long)c.rejected, (long long)c.pending);
  }
  return html + "</table>";
}

std::string ReasonTable(const std::map<std::string, int64_t>& reasons) {
  if (reasons.empty()) return "<p class=\"note\">none</p>";
  std::string html = "<table><tr><th>reason</th><th>files</th></tr>";
  for (const auto& [reason, n] : reasons) html += "<tr><td>" + HtmlEscape(reason) + "</td><td>" + std::to_string(n) + "</td></tr>";
  return html + "</table>";
}

std::string DefectList(const ReportWriter& writer) {
  std::string html = "<table><tr><th>image</th><th>sha256</th><th>label</th><th>reason</th></tr>";
  int shown = 0;
  for (const auto& [id, info] : writer.images()) {
    if (info.status != "defective" || ++shown > kMaxRowsShown) continue;
    html += StringPrintf("<tr><td>#%lld</td><td>%s</td><td>%s</td><td>%s</td></tr>", (long long)id,
                         info.sha256.substr(0, 16).c_str(), HtmlEscape(info.label).c_str(), HtmlEscape(info.reason).c_str());
  }
  return html + "</table>";
}

std::string SkippedList(Manifest* manifest) {
  std::string html = "<table><tr><th>source</th><th>reason</th></tr>";
  Statement select = manifest->Prepare(
      "SELECT url, COALESCE(last_error, status) FROM candidates WHERE status IN ('skipped', 'failed') ORDER BY id LIMIT ?");
  select.Bind(1, int64_t(kMaxRowsShown));
  while (select.Next()) html += "<tr><td>" + HtmlEscape(select.Text(0)) + "</td><td>" + HtmlEscape(select.Text(1)) + "</td></tr>";
  return html + "</table>";
}

std::string GroupsSection(ReportWriter* writer, const CurateSummary& summary, bool conflicts) {
  std::string html;
  int shown = 0;
  for (const DuplicateGroup& group : summary.decide.groups) {
    if (group.conflict != conflicts) continue;
    if (++shown > kMaxGroupsShown) continue;
    html += "<div class=\"group\">";
    if (conflicts) html += "<div>" + HtmlEscape(ConflictReason(group.labels)) + "</div>";
    for (int64_t id : group.ids) {
      const ImageInfo& info = writer->images().at(id);
      const bool keeper = group.keeper && *group.keeper == id;
      html += std::string("<span") + (keeper ? " class=\"keeper\"" : "") + ">" + writer->Thumbnail(id) + "</span>";
      html += "<span class=\"note\">" + HtmlEscape(info.label) + " " + HtmlEscape(info.status) + "</span> ";
    }
    html += "</div>";
  }
  if (shown == 0) return "<p class=\"note\">none</p>";
  if (shown > kMaxGroupsShown) html += StringPrintf("<p class=\"note\">and %d more</p>", shown - kMaxGroupsShown);
  return html;
}

std::string ThumbnailSection(ReportWriter* writer) {
  std::map<std::string, std::map<std::string, std::vector<int64_t>>> cells;  // label -> split -> ids
  for (const auto& [id, info] : writer->images()) {
    if (info.status == "kept") cells[info.label][info.split.empty() ? "pool" : info.split].push_back(id);
  }
  std::string html;
  for (const auto& [label, splits] : cells) {
    html += "<h3>" + HtmlEscape(label) + "</h3>";
    for (const char* split : {"train", "valid", "test", "pool"}) {
      auto found = splits.find(split);
      if (found == splits.end()) continue;
      const std::vector<int64_t>& ids = found->second;
      html += StringPrintf("<h4>%s (%zu)</h4><div>", split, ids.size());
      for (size_t i = 0; i < ids.size() && i < size_t(kThumbnailsPerCell); ++i) html += writer->Thumbnail(ids[i]);
      if (ids.size() > size_t(kThumbnailsPerCell)) {
        html += StringPrintf("<p class=\"note\">and %zu more</p>", ids.size() - size_t(kThumbnailsPerCell));
      }
      html += "</div>";
    }
  }
  return html.empty() ? "<p class=\"note\">no kept images</p>" : html;
}

}  // namespace

Status WriteReport(Manifest* manifest, const ContentStore& store, const CurateSummary& summary, const std::string& path) {
  ReportWriter writer(manifest, store);
  SMALLSET_RETURN_IF_ERROR(writer.Load());

  std::string html = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>curate report</title><style>";
  html += kStyle;
  html += "</style></head><body><h1>curate report</h1>";
  html += "<p>" + HtmlEscape(NowUtcIso8601()) + " &middot; manifest " + HtmlEscape(manifest->path()) + " &middot; " +
          (summary.split ? "split " + HtmlEscape(*summary.split) + ", seed " + HtmlEscape(summary.seed) : std::string("no split")) +
          StringPrintf(" &middot; near-duplicates within pHash distance %d</p>", summary.phash_distance);
  html += "<h2>Counts per label and status</h2>" + CountsTable(summary);
  html += "<h2>Defects</h2>" + ReasonTable(summary.defect_reasons) + DefectList(writer);
  html += "<h2>Files not stored</h2>" + ReasonTable(summary.skipped_files) + SkippedList(manifest);
  html += "<h2>Conflicts: the same picture under several labels</h2>" + GroupsSection(&writer, summary, true);
  html += "<h2>Near-duplicate groups (kept image outlined)</h2>" + GroupsSection(&writer, summary, false);
  html += "<h2>Kept images per label and split</h2>" + ThumbnailSection(&writer);
  html += "</body></html>\n";

  FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) return Status::IoError("cannot write --report " + path);
  const bool written = std::fwrite(html.data(), 1, html.size(), file) == html.size();
  if (std::fclose(file) != 0 || !written) return Status::IoError("cannot write --report " + path);
  SMALLSET_LOG_INFO("wrote report %s (%zu KB)", path.c_str(), html.size() / 1024);
  return Status::Ok();
}

}  // namespace smallset
