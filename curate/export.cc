#include "curate/export.h"

#include <dirent.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "common/image/decode.h"
#include "common/log.h"

namespace smallset {
namespace {

namespace fs = std::filesystem;

struct ExportRow {
  std::string sha256;
  std::string path;
  std::string format;
  std::string label;
  std::string split;
  std::string source_url;
  std::string license;
  std::string creator;
};

// RFC 4180 field: quoted when it contains a comma, quote or line break.
std::string CsvField(const std::string& value) {
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  std::string quoted = "\"";
  for (char c : value) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

Status PrepareFolder(const std::string& dir) {
  std::error_code error;
  if (fs::exists(dir, error)) {
    if (!fs::is_directory(dir, error)) return Status::InvalidArgument("--export " + dir + " exists and is not a folder");
    const bool earlier_export = fs::exists(fs::path(dir) / "dataset.csv", error);
    if (!fs::is_empty(dir, error) && !earlier_export) {
      return Status::InvalidArgument("--export folder " + dir +
                                     " is not empty and holds no earlier export (dataset.csv); choose a new or empty folder");
    }
    for (const char* part : {"train", "valid", "test", "dataset.csv"}) fs::remove_all(fs::path(dir) / part, error);
  }
  fs::create_directories(dir, error);
  if (error) return Status::IoError("cannot create --export folder " + dir + ": " + error.message());
  return Status::Ok();
}

Status ReadRows(Manifest* manifest, std::vector<ExportRow>* rows) {
  // The source is the earliest candidate that yielded the bytes.
  Statement select = manifest->Prepare(
      "SELECT i.sha256, i.path, i.format, i.label, i.split, "
      "  COALESCE(c.final_url, c.url, ''), COALESCE(c.license, ''), COALESCE(c.creator, '') "
      "FROM images i LEFT JOIN candidates c ON c.id = "
      "  (SELECT MIN(id) FROM candidates WHERE image_id = i.id AND status IN ('stored', 'duplicate')) "
      "WHERE i.status = 'kept' AND i.split IS NOT NULL ORDER BY i.split, i.label, i.id");
  while (select.Next()) {
    rows->push_back(ExportRow{select.Text(0), select.Text(1), select.Text(2), select.Text(3), select.Text(4),
                              select.Text(5), select.Text(6), select.Text(7)});
  }
  return select.status();
}

Status WriteImage(const ContentStore& store, const ExportRow& row, const std::string& path) {
  std::string bytes;
  SMALLSET_RETURN_IF_ERROR(ReadFile(store.PathOf(row.path), &bytes));
  DecodeOptions options;
  options.min_side = 1;
  options.max_pixels = int64_t(1) << 40;  // the row was validated; the limits applied then
  DecodedImage decoded;
  SMALLSET_RETURN_IF_ERROR(DecodeImage(bytes, options, &decoded).WithContext("decoding " + row.sha256));
  cv::Mat bgr;
  cv::cvtColor(decoded.rgb, bgr, cv::COLOR_RGB2BGR);
  std::vector<int> params;
  if (row.format == "jpeg") params = {cv::IMWRITE_JPEG_QUALITY, 95};
  if (!cv::imwrite(path, bgr, params)) return Status::IoError("cannot write " + path);
  return Status::Ok();
}

}  // namespace

Status ExportDataset(Manifest* manifest, const ContentStore& store, const std::string& dir, ExportStats* stats) {
  std::vector<ExportRow> rows;
  SMALLSET_RETURN_IF_ERROR(ReadRows(manifest, &rows));
  if (rows.empty()) return Status::InvalidArgument("nothing to export: no image has a split yet; run curate --split first");
  SMALLSET_RETURN_IF_ERROR(PrepareFolder(dir));

  std::string csv = "file,label,split,sha256,source_url,license,creator\n";
  for (const ExportRow& row : rows) {
    if (row.label.empty() || row.label == "." || row.label == ".." || row.label.find('/') != std::string::npos) {
      return Status::InvalidArgument("label \"" + row.label + "\" cannot be a folder name; relabel its images with --relabel");
    }
    const std::string relative = row.split + "/" + row.label + "/" + row.sha256 + (row.format == "jpeg" ? ".jpg" : ".png");
    std::error_code error;
    fs::create_directories(fs::path(dir) / row.split / row.label, error);
    if (error) return Status::IoError("cannot create " + dir + "/" + row.split + "/" + row.label + ": " + error.message());
    SMALLSET_RETURN_IF_ERROR(WriteImage(store, row, dir + "/" + relative));
    csv += CsvField(relative) + "," + CsvField(row.label) + "," + row.split + "," + row.sha256 + "," +
           CsvField(row.source_url) + "," + CsvField(row.license) + "," + CsvField(row.creator) + "\n";
    ++stats->files;
  }

  const std::string csv_path = dir + "/dataset.csv";
  FILE* file = std::fopen(csv_path.c_str(), "wb");
  if (file == nullptr) return Status::IoError("cannot write " + csv_path);
  const bool written = std::fwrite(csv.data(), 1, csv.size(), file) == csv.size();
  if (std::fclose(file) != 0 || !written) return Status::IoError("cannot write " + csv_path);
  SMALLSET_LOG_INFO("exported %lld images to %s", (long long)stats->files, dir.c_str());
  return Status::Ok();
}

}  // namespace smallset
