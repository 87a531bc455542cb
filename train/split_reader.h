// Reads the train and validation split that `curate --split` recorded in the manifest.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace smallset {

class Manifest;

struct LabeledImage {
  int64_t image_id = 0;
  std::string sha256;
  std::string path;   // relative to the content store
  std::string label;  // after any relabel decision
  int class_index = 0;
  std::string split;  // "train" or "valid"
};

struct SplitImages {
  std::vector<std::string> classes;  // sorted labels; a class index points in here
  std::vector<LabeledImage> train;   // ordered by image id
  std::vector<LabeledImage> valid;
};

// Reads the kept images that have a train or valid split. A relabel decision replaces the
// label. Fails, naming the label or file and the fix, when no image has a split yet, when
// fewer than two labels remain, when a label lacks train or validation images, or when an
// image's file is missing from the store.
// `store_root` is the content store folder (Manifest::StoreDirectory()).
Status ReadSplit(Manifest& manifest, const std::string& store_root, SplitImages* out);

// Reads the exact images a run used (its run_images rows), for --resume.
Status ReadRunImages(Manifest& manifest, int64_t run_id, const std::vector<std::string>& classes,
                     SplitImages* out);

// Checks the rules ReadSplit enforces on an already-filled SplitImages.
Status ValidateSplit(const SplitImages& split, const std::string& store_root);

}  // namespace smallset
