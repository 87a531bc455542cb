// Builds a manifest with a recorded split from the shapes3 test images, as curate --split
// would leave it: images copied into the content store, status 'kept', split set.
#pragma once

#include <string>
#include <vector>

namespace smallset::testing {

struct ShapesManifestOptions {
  std::vector<std::string> labels{"circle", "square", "triangle"};
  int train_per_class = 135;
  int valid_per_class = 20;
  bool record_split = true;  // false leaves every image kept but unsplit
};

// Creates `manifest_path` (and the store beside it) from shared/cases/train/shapes3.
// Files are taken in name order: the first train_per_class are train, the next valid.
void BuildShapesManifest(const std::string& shared_dir, const std::string& manifest_path,
                         const ShapesManifestOptions& options = {});

// Path of the shared MobileNetV2 weights folder.
std::string MobileNetWeights(const std::string& shared_dir);

}  // namespace smallset::testing
