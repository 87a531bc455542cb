#include "tests/train/shapes_manifest.h"

#include <algorithm>
#include <filesystem>

#include <doctest/doctest.h>

#include "common/clock.h"
#include "common/content_store.h"
#include "common/manifest.h"

namespace smallset::testing {

namespace fs = std::filesystem;

std::string MobileNetWeights(const std::string& shared_dir) {
  return shared_dir + "/weights/mobilenet_v2_1.0_224_imagenet";
}

void BuildShapesManifest(const std::string& shared_dir, const std::string& manifest_path,
                         const ShapesManifestOptions& options) {
  std::unique_ptr<Manifest> manifest;
  REQUIRE(Manifest::Open(manifest_path, &manifest).ok());
  std::unique_ptr<ContentStore> store;
  REQUIRE(ContentStore::Open(manifest->StoreDirectory(), &store).ok());

  Status status = manifest->WriteTransaction([&] {
    Statement insert = manifest->Prepare(
        "INSERT INTO images (sha256, path, bytes, format, label, first_seen_at, width, height, status, split, "
        "curated_at) VALUES (?, ?, ?, 'png', ?, ?, 128, 128, 'kept', ?, ?)");
    for (const std::string& label : options.labels) {
      std::vector<std::string> files;
      for (const auto& entry : fs::directory_iterator(shared_dir + "/cases/train/shapes3/" + label)) {
        files.push_back(entry.path().string());
      }
      std::sort(files.begin(), files.end());
      const int wanted = options.train_per_class + options.valid_per_class;
      REQUIRE(static_cast<int>(files.size()) >= wanted);
      for (int i = 0; i < wanted; ++i) {
        std::string bytes;
        SMALLSET_RETURN_IF_ERROR(ReadFile(files[i], &bytes));
        StoredFile stored;
        SMALLSET_RETURN_IF_ERROR(store->Put(bytes, &stored));
        insert.Reset();
        insert.Bind(1, stored.sha256).Bind(2, stored.relative_path).Bind(3, stored.bytes).Bind(4, label);
        insert.Bind(5, NowUtcIso8601());
        if (options.record_split) {
          insert.Bind(6, i < options.train_per_class ? "train" : "valid");
        } else {
          insert.BindNull(6);
        }
        insert.Bind(7, NowUtcIso8601());
        SMALLSET_RETURN_IF_ERROR(insert.Run());
      }
    }
    return Status::Ok();
  });
  REQUIRE_MESSAGE(status.ok(), status.message());
}

}  // namespace smallset::testing
