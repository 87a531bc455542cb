// --export DIR: the split as an ImageFolder tree that torchvision reads as is.
//
//   DIR/train/<label>/<sha256>.jpg   DIR/valid/<label>/...   DIR/test/<label>/...
//   DIR/dataset.csv                  file,label,split,sha256,source_url,license,creator
#pragma once

#include <cstdint>
#include <string>

#include "common/content_store.h"
#include "common/manifest.h"
#include "common/status.h"

namespace smallset {

struct ExportStats {
  int64_t files = 0;
};

// Writes every kept image that has a split, normalised (EXIF orientation applied, RGB,
// alpha on white): JPEG sources as JPEG (quality 95), other formats as PNG. DIR must be
// new, empty, or an earlier export (it has a dataset.csv), which is replaced.
Status ExportDataset(Manifest* manifest, const ContentStore& store, const std::string& dir, ExportStats* stats);

}  // namespace smallset
