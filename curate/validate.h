// Validation: decode every image that no run has decoded yet, on worker threads, and record
// its size and pHash, or its defect.
#pragma once

#include <cstdint>

#include "common/content_store.h"
#include "common/image/decode.h"
#include "common/manifest.h"
#include "common/status.h"

namespace smallset {

struct ValidateStats {
  int64_t decoded = 0;    // valid: size and pHash recorded, decision left to grouping
  int64_t defective = 0;  // status 'defective' with a reason
};

// Decodes the images with status 'new' and no pHash, `threads` at a time. Workers only
// decode, and the calling thread writes the results in batched transactions, so this
// process writes to the manifest from one thread only. Valid images keep status 'new'
// with width, height and pHash filled, for grouping to decide. Defective ones get status
// 'defective' and the decoder's reason. Stops early with kInterrupted after SIGINT or
// SIGTERM, keeping what was written.
Status ValidateNewImages(Manifest* manifest, const ContentStore& store, const DecodeOptions& options, int threads,
                         bool show_progress, ValidateStats* stats);

// Size of the picture DecodeImage is asked for when hashing: JPEGs are decoded with DCT
// scaling down to this short side, which is plenty for a 32x32 hash and much faster.
constexpr int kHashDecodeShortSide = 64;

// `options` with the speed settings used for hashing (scaled, fast JPEG decoding). The
// benchmarks use it too, so that they measure what curate runs.
inline DecodeOptions HashDecodeOptions(DecodeOptions options) {
  options.target_short_side = kHashDecodeShortSide;
  options.fast_jpeg = true;
  return options;
}

}  // namespace smallset
