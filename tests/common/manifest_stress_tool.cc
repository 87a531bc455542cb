// A writer process for the manifest's multi-process tests. Modes:
//
//   manifest_stress_tool insert-candidates DB SECONDS   inserts candidate rows, one transaction each
//   manifest_stress_tool update-images DB SECONDS       increments images.width of every image row
//   manifest_stress_tool store-forever DB STORE         stores new files and commits their rows until killed
//
// Each mode prints "done N" with the number of committed operations on exit. Errors print
// "error: ..." and exit 1, so a busy error that reaches a caller fails the test.
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "common/clock.h"
#include "common/content_store.h"
#include "common/manifest.h"

using namespace smallset;

namespace {

int Fail(const Status& status) {
  fprintf(stderr, "error: %s\n", status.message().c_str());
  return 1;
}

bool TimeLeft(std::chrono::steady_clock::time_point end) { return std::chrono::steady_clock::now() < end; }

int InsertCandidates(Manifest& manifest, double seconds) {
  auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
  int64_t query_id = 0;
  Status status = manifest.WriteTransaction([&] {
    Statement insert = manifest.Prepare(
        "INSERT INTO queries (text, label, engine, requested, created_at) VALUES ('stress', 'stress', 'urls', 0, ?)");
    insert.Bind(1, NowUtcIso8601());
    SMALLSET_RETURN_IF_ERROR(insert.Run());
    query_id = manifest.LastInsertRowId();
    return Status::Ok();
  });
  if (!status.ok()) return Fail(status);

  int64_t inserted = 0;
  while (TimeLeft(end)) {
    status = manifest.WriteTransaction([&] {
      Statement insert = manifest.Prepare(
          "INSERT INTO candidates (url, query_id, engine, rank, created_at, updated_at) VALUES (?, ?, 'urls', ?, ?, ?)");
      std::string now = NowUtcIso8601();
      insert.Bind(1, "http://127.0.0.1/stress/" + std::to_string(getpid()) + "/" + std::to_string(inserted))
          .Bind(2, query_id)
          .Bind(3, inserted)
          .Bind(4, now)
          .Bind(5, now);
      return insert.Run();
    });
    if (!status.ok()) return Fail(status);
    ++inserted;
  }
  printf("done %lld\n", static_cast<long long>(inserted));
  return 0;
}

int UpdateImages(Manifest& manifest, double seconds) {
  auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
  int64_t updates = 0;
  while (TimeLeft(end)) {
    Status status = manifest.WriteTransaction([&] {
      Statement update = manifest.Prepare("UPDATE images SET width = width + 1, curated_at = ?");
      update.Bind(1, NowUtcIso8601());
      return update.Run();
    });
    if (!status.ok()) return Fail(status);
    ++updates;
  }
  printf("done %lld\n", static_cast<long long>(updates));
  return 0;
}

int StoreForever(Manifest& manifest, const std::string& store_root) {
  std::unique_ptr<ContentStore> store;
  Status status = ContentStore::Open(store_root, &store);
  if (!status.ok()) return Fail(status);

  // Files are PNG signatures followed by a unique tail and some bulk, so writes take a
  // measurable time and a kill lands inside them often.
  std::string bulk(64 * 1024, 'x');
  for (int64_t i = 0;; ++i) {
    std::string bytes = std::string("\x89PNG\r\n\x1A\n", 8) + std::to_string(getpid()) + "-" + std::to_string(i) + bulk;
    StoredFile file;
    status = store->Put(bytes, &file);
    if (!status.ok()) return Fail(status);
    status = manifest.WriteTransaction([&] {
      Statement insert = manifest.Prepare(
          "INSERT OR IGNORE INTO images (sha256, path, bytes, format, label, first_seen_at) VALUES (?, ?, ?, 'png', 'stress', ?)");
      insert.Bind(1, file.sha256).Bind(2, file.relative_path).Bind(3, file.bytes).Bind(4, NowUtcIso8601());
      return insert.Run();
    });
    if (!status.ok()) return Fail(status);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s insert-candidates|update-images DB SECONDS | store-forever DB STORE\n", argv[0]);
    return 2;
  }
  std::string mode = argv[1];
  std::unique_ptr<Manifest> manifest;
  Status status = Manifest::Open(argv[2], &manifest);
  if (!status.ok()) return Fail(status);

  if (mode == "insert-candidates") return InsertCandidates(*manifest, atof(argv[3]));
  if (mode == "update-images") return UpdateImages(*manifest, atof(argv[3]));
  if (mode == "store-forever") return StoreForever(*manifest, argv[3]);
  fprintf(stderr, "unknown mode %s\n", mode.c_str());
  return 2;
}
