// --import DIR: registers an existing folder-per-class tree (DIR/<label>/<files>) the way
// crawl records downloads, so that every later step treats both alike.
#pragma once

#include <cstdint>
#include <string>

#include "common/content_store.h"
#include "common/manifest.h"
#include "common/status.h"

namespace smallset {

struct ImportStats {
  int64_t labels = 0;
  int64_t files = 0;       // files looked at, OS junk excluded
  int64_t stored = 0;      // new content in the store
  int64_t duplicates = 0;  // content that was already stored
  int64_t skipped = 0;     // not a storable image (HTML, SVG, empty, HEIC, ...): recorded with the reason
  int64_t known = 0;       // already imported from the same path by an earlier run
};

// True for names that operating systems and tools leave in data set trees: hidden files,
// AppleDouble "._*", .DS_Store, Thumbs.db, desktop.ini, __MACOSX, .ipynb_checkpoints.
bool IsJunkName(const std::string& name);

// Imports `root`: each non-junk sub-folder is a label (its name byte for byte), and every
// non-junk file below it, at any depth, an image of that label. Files directly in `root`
// are ignored. Each label gets a queries row with engine 'import', and each file a
// candidates row with url "file://" + its absolute path. Storable images go through the
// content store and get an images row. Files already imported from the same path are not
// read again.
Status ImportTree(Manifest* manifest, ContentStore* store, const std::string& root, ImportStats* stats);

}  // namespace smallset
