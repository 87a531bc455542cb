#include "curate/import.h"

#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <vector>

#include "common/clock.h"
#include "common/log.h"
#include "common/sniff.h"

namespace smallset {
namespace {

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return text;
}

struct Entry {
  std::string name;
  bool is_directory = false;
};

// Lists a folder sorted by name (byte order), following symbolic links.
Status ListFolder(const std::string& path, std::vector<Entry>* entries) {
  DIR* dir = opendir(path.c_str());
  if (dir == nullptr) return Status::IoError("cannot open folder " + path);
  while (dirent* item = readdir(dir)) {
    std::string name = item->d_name;
    if (name == "." || name == "..") continue;
    struct stat info;
    if (stat((path + "/" + name).c_str(), &info) != 0) continue;  // dangling link
    if (!S_ISDIR(info.st_mode) && !S_ISREG(info.st_mode)) continue;
    entries->push_back(Entry{name, S_ISDIR(info.st_mode)});
  }
  closedir(dir);
  std::sort(entries->begin(), entries->end(), [](const Entry& a, const Entry& b) { return a.name < b.name; });
  return Status::Ok();
}

// Appends the non-junk files below `folder`, depth first, in name order.
Status CollectFiles(const std::string& folder, std::vector<std::string>* files) {
  std::vector<Entry> entries;
  SMALLSET_RETURN_IF_ERROR(ListFolder(folder, &entries));
  for (const Entry& entry : entries) {
    if (IsJunkName(entry.name)) continue;
    const std::string path = folder + "/" + entry.name;
    if (entry.is_directory) {
      SMALLSET_RETURN_IF_ERROR(CollectFiles(path, files));
    } else {
      files->push_back(path);
    }
  }
  return Status::Ok();
}

// Reason recorded for bytes that are not a storable raster image, worded as the decoder
// words it for stored files.
std::string UnstorableReason(SniffedFormat format) {
  return format == SniffedFormat::kEmpty ? "empty file" : SkipReasonFor(format);
}

Status FindOrAddQuery(Manifest* manifest, const std::string& folder, const std::string& label, int64_t file_count,
                      int64_t* query_id) {
  const std::string now = NowUtcIso8601();
  Statement insert = manifest->Prepare(
      "INSERT INTO queries (text, label, engine, requested, created_at, last_run_at) VALUES (?, ?, 'import', ?, ?, ?) "
      "ON CONFLICT (text, label, engine) DO UPDATE SET requested = excluded.requested, last_run_at = excluded.last_run_at");
  insert.Bind(1, folder).Bind(2, label).Bind(3, file_count).Bind(4, now).Bind(5, now);
  SMALLSET_RETURN_IF_ERROR(insert.Run());
  Statement select = manifest->Prepare("SELECT id FROM queries WHERE text = ? AND label = ? AND engine = 'import'");
  select.Bind(1, folder).Bind(2, label);
  if (!select.Next()) return select.status().ok() ? Status::Failed("import query row missing after insert") : select.status();
  *query_id = select.Int(0);
  return Status::Ok();
}

bool CandidateExists(Manifest* manifest, const std::string& url) {
  Statement select = manifest->Prepare("SELECT 1 FROM candidates WHERE url = ?");
  select.Bind(1, url);
  return select.Next();
}

// A file read and, when it is a storable image, put into the content store.
struct PreparedFile {
  std::string path;
  int64_t rank = 0;
  int64_t size = 0;
  std::string reason;                // why it is not stored; empty when stored
  std::optional<StoredFile> stored;
};

Status PrepareFile(ContentStore* store, const std::string& path, int64_t rank, PreparedFile* out) {
  std::string bytes;
  SMALLSET_RETURN_IF_ERROR(ReadFile(path, &bytes));
  out->path = path;
  out->rank = rank;
  out->size = int64_t(bytes.size());
  const SniffedFormat format = SniffFormat(bytes);
  if (!IsSupportedRaster(format)) {
    out->reason = UnstorableReason(format);
    SMALLSET_LOG_INFO("skipping %s: %s", path.c_str(), out->reason.c_str());
    return Status::Ok();
  }
  out->stored.emplace();
  return store->Put(bytes, &*out->stored);
}

// Records the candidates row of a prepared file, and its images row for new content.
Status RecordFile(Manifest* manifest, int64_t query_id, const std::string& label, const PreparedFile& file,
                  ImportStats* stats) {
  const std::string now = NowUtcIso8601();
  std::string candidate_status = "skipped";
  std::optional<int64_t> image_id;
  if (file.stored) {
    const StoredFile& stored = *file.stored;
    Statement insert_image = manifest->Prepare(
        "INSERT INTO images (sha256, path, bytes, format, label, first_seen_at) VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (sha256) DO NOTHING");
    insert_image.Bind(1, stored.sha256).Bind(2, stored.relative_path).Bind(3, stored.bytes);
    insert_image.Bind(4, FormatName(stored.format)).Bind(5, label).Bind(6, now);
    SMALLSET_RETURN_IF_ERROR(insert_image.Run());
    const bool new_image = manifest->Changes() > 0;
    Statement select = manifest->Prepare("SELECT id FROM images WHERE sha256 = ?");
    select.Bind(1, stored.sha256);
    if (!select.Next()) return Status::Failed("images row missing after insert for " + file.path);
    image_id = select.Int(0);
    candidate_status = new_image ? "stored" : "duplicate";
    ++(new_image ? stats->stored : stats->duplicates);
  } else {
    ++stats->skipped;
  }

  const std::string url = "file://" + file.path;
  const std::string file_name = file.path.substr(file.path.rfind('/') + 1);
  Statement insert = manifest->Prepare(
      "INSERT INTO candidates (url, query_id, engine, rank, title, status, attempts, last_error, bytes, final_url, "
      "image_id, created_at, updated_at) VALUES (?, ?, 'import', ?, ?, ?, 1, ?, ?, ?, ?, ?, ?) "
      "ON CONFLICT (url) DO NOTHING");
  insert.Bind(1, url).Bind(2, query_id).Bind(3, file.rank).Bind(4, file_name).Bind(5, candidate_status);
  insert.Bind(6, file.reason.empty() ? std::nullopt : std::optional<std::string>(file.reason));
  insert.Bind(7, file.size).Bind(8, url).Bind(9, image_id).Bind(10, now).Bind(11, now);
  return insert.Run();
}

// Imports the files of one label in batches: reading and storing happen outside any
// transaction, so the manifest's write lock is held only while the rows are written.
Status ImportLabel(Manifest* manifest, ContentStore* store, const std::string& folder, const std::string& label,
                   const std::vector<std::string>& files, ImportStats* stats) {
  int64_t query_id = 0;
  SMALLSET_RETURN_IF_ERROR(manifest->WriteTransaction(
      [&] { return FindOrAddQuery(manifest, folder, label, int64_t(files.size()), &query_id); }));

  constexpr size_t kBatchSize = 64;
  for (size_t begin = 0; begin < files.size(); begin += kBatchSize) {
    std::vector<PreparedFile> batch;
    for (size_t rank = begin; rank < std::min(files.size(), begin + kBatchSize); ++rank) {
      if (CandidateExists(manifest, "file://" + files[rank])) {
        ++stats->known;
        continue;
      }
      batch.emplace_back();
      SMALLSET_RETURN_IF_ERROR(PrepareFile(store, files[rank], int64_t(rank), &batch.back()));
    }
    if (batch.empty()) continue;
    SMALLSET_RETURN_IF_ERROR(manifest->WriteTransaction([&] {
      for (const PreparedFile& file : batch) SMALLSET_RETURN_IF_ERROR(RecordFile(manifest, query_id, label, file, stats));
      return Status::Ok();
    }));
  }
  return Status::Ok();
}

}  // namespace

bool IsJunkName(const std::string& name) {
  if (name.empty() || name[0] == '.') return true;  // hidden, .DS_Store, AppleDouble ._*, .ipynb_checkpoints
  const std::string lower = Lower(name);
  return lower == "thumbs.db" || lower == "desktop.ini" || lower == "__macosx" || lower == "ehthumbs.db";
}

Status ImportTree(Manifest* manifest, ContentStore* store, const std::string& root, ImportStats* stats) {
  char resolved[PATH_MAX];
  if (realpath(root.c_str(), resolved) == nullptr) {
    return Status::NotFound("--import folder " + root + " not found; give an existing folder with one sub-folder per label");
  }
  const std::string absolute_root = resolved;
  std::vector<Entry> entries;
  SMALLSET_RETURN_IF_ERROR(ListFolder(absolute_root, &entries));

  for (const Entry& entry : entries) {
    if (!entry.is_directory) {
      if (!IsJunkName(entry.name)) SMALLSET_LOG_DEBUG("ignoring %s: files directly in the import folder have no label", entry.name.c_str());
      continue;
    }
    if (IsJunkName(entry.name)) continue;

    const std::string label = entry.name;
    const std::string folder = absolute_root + "/" + label;
    std::vector<std::string> files;
    SMALLSET_RETURN_IF_ERROR(CollectFiles(folder, &files));
    ++stats->labels;
    stats->files += int64_t(files.size());
    SMALLSET_LOG_INFO("importing %zu files of label \"%s\" from %s", files.size(), label.c_str(), folder.c_str());

    SMALLSET_RETURN_IF_ERROR(ImportLabel(manifest, store, folder, label, files, stats));
  }
  if (stats->labels == 0) {
    return Status::InvalidArgument("--import folder " + absolute_root +
                                   " has no label sub-folders; expected DIR/<label>/<image files>");
  }
  return Status::Ok();
}

}  // namespace smallset
