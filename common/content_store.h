// The content store: image files named by their SHA-256, in a folder beside the manifest.
//
//   images/ab/ab12...ef.jpg
//
// Put() writes to a temporary file in the same folder, fsyncs it, renames it into place
// and fsyncs the folder. A caller records the manifest row only after Put() returns, so a
// crash can leave a file without a row (harmless: the next Put of the same bytes reuses
// it) but never a row without a file. Names never come from a server or a user: the
// extension comes from the sniffed format.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/sniff.h"
#include "common/status.h"

namespace smallset {

struct StoredFile {
  std::string sha256;         // lower-case hex
  std::string relative_path;  // "ab/ab12...ef.jpg", relative to the store folder
  int64_t bytes = 0;
  SniffedFormat format = SniffedFormat::kUnknown;
  bool already_present = false;  // the same bytes were stored before
};

class ContentStore {
 public:
  // Creates the folder when missing and removes temporary files left by processes that
  // are no longer running. Fails with a message naming the folder when it cannot be
  // created or written.
  static Status Open(const std::string& root, std::unique_ptr<ContentStore>* out);

  // Stores `bytes`, which must be a supported raster format (see sniff.h).
  // The same bytes twice give the same file, written once.
  Status Put(std::string_view bytes, StoredFile* out);

  // Reads a stored file back by its relative path.
  Status Read(const std::string& relative_path, std::string* bytes) const;

  // Absolute (or root-relative) path of a stored file.
  std::string PathOf(const std::string& relative_path) const;

  const std::string& root() const { return root_; }

  // Number of temporary files removed by Open().
  int removed_temp_files() const { return removed_temp_files_; }

 private:
  explicit ContentStore(std::string root) : root_(std::move(root)) {}
  Status RemoveStaleTempFiles();

  std::string root_;
  int removed_temp_files_ = 0;
};

// Reads a whole file. Used for imports and stored files alike.
Status ReadFile(const std::string& path, std::string* bytes);

}  // namespace smallset
