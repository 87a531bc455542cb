// --report FILE: one self-contained HTML page (thumbnails embedded as data: URIs, no
// scripts, no external resources) for a person to review a curate run.
#pragma once

#include <string>

#include "common/content_store.h"
#include "common/manifest.h"
#include "common/status.h"
#include "curate/summary.h"

namespace smallset {

// Writes counts per label and status, defect and skip reasons, thumbnails per label and
// split, near-duplicate groups side by side and conflicts.
Status WriteReport(Manifest* manifest, const ContentStore& store, const CurateSummary& summary, const std::string& path);

}  // namespace smallset
