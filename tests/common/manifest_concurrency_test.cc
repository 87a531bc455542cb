// Several processes writing one manifest, and writers killed at arbitrary points.
#include <doctest/doctest.h>
#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <thread>

#include "common/clock.h"
#include "common/content_store.h"
#include "common/manifest.h"
#include "common/sha256.h"
#include "tests/support/test_support.h"

using namespace smallset;
using smallset::testing::BackgroundProcess;
using smallset::testing::RunProcess;
using smallset::testing::TempDir;

namespace {

std::string StressTool() { return std::string(SMALLSET_TEST_DIR) + "/manifest_stress_tool"; }

int64_t CountRows(Manifest& manifest, const char* sql) {
  Statement count = manifest.Prepare(sql);
  return count.Next() ? count.Int(0) : -1;
}

int64_t ParseDone(const std::string& output) {
  size_t at = output.find("done ");
  return at == std::string::npos ? -1 : std::stoll(output.substr(at + 5));
}

// Counts files under `root` whose name starts with the content store's temporary prefix.
int CountTempFiles(const std::string& root) {
  int count = 0;
  std::vector<std::string> folders = {root};
  if (DIR* dir = opendir(root.c_str())) {
    while (dirent* entry = readdir(dir)) {
      std::string name = entry->d_name;
      if (name.size() == 2 && name[0] != '.') folders.push_back(root + "/" + name);
    }
    closedir(dir);
  }
  for (const std::string& folder : folders) {
    if (DIR* dir = opendir(folder.c_str())) {
      while (dirent* entry = readdir(dir)) {
        if (std::string(entry->d_name).rfind(".tmp-", 0) == 0) ++count;
      }
      closedir(dir);
    }
  }
  return count;
}

}  // namespace

TEST_CASE("two writer processes lose no rows") {
  TempDir dir;
  std::string db = dir / "data.db";
  const int kImages = 50;
  {
    std::unique_ptr<Manifest> manifest;
    REQUIRE(Manifest::Open(db, &manifest).ok());
    REQUIRE(manifest->WriteTransaction([&] {
      for (int i = 0; i < kImages; ++i) {
        Statement insert = manifest->Prepare(
            "INSERT INTO images (sha256, path, bytes, format, label, first_seen_at, width) VALUES (?, ?, 1, 'png', 'x', ?, 0)");
        insert.Bind(1, Sha256Hex(std::to_string(i))).Bind(2, "p" + std::to_string(i)).Bind(3, NowUtcIso8601());
        SMALLSET_RETURN_IF_ERROR(insert.Run());
      }
      return Status::Ok();
    }).ok());
  }

  // Both processes run for 4 s at the same time; each prints how many commits it made.
  std::thread updater_thread;
  smallset::testing::ProcessResult updater;
  updater_thread = std::thread([&] { updater = RunProcess({StressTool(), "update-images", db, "4"}, 60); });
  smallset::testing::ProcessResult inserter = RunProcess({StressTool(), "insert-candidates", db, "4"}, 60);
  updater_thread.join();

  INFO("inserter stderr: " << inserter.err);
  INFO("updater stderr: " << updater.err);
  REQUIRE(inserter.exit_code == 0);
  REQUIRE(updater.exit_code == 0);
  int64_t inserted = ParseDone(inserter.out);
  int64_t updates = ParseDone(updater.out);
  CHECK(inserted > 10);
  CHECK(updates > 10);

  std::unique_ptr<Manifest> manifest;
  REQUIRE(Manifest::Open(db, &manifest).ok());
  CHECK(CountRows(*manifest, "SELECT count(*) FROM candidates") == inserted);
  // Every committed update incremented every image's width once.
  CHECK(CountRows(*manifest, "SELECT min(width) FROM images") == updates);
  CHECK(CountRows(*manifest, "SELECT max(width) FROM images") == updates);
}

TEST_CASE("writer killed at many points leaves no row without file") {
  TempDir dir;
  std::string db = dir / "data.db";
  std::string store_root = dir / "images";
  std::mt19937 random(12345);
  std::uniform_int_distribution<int> delay_ms(20, 400);

  int64_t previous_rows = 0;
  for (int round = 0; round < 12; ++round) {
    CAPTURE(round);
    {
      BackgroundProcess writer({StressTool(), "store-forever", db, store_root});
      std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(random)));
      CHECK(writer.Stop(SIGKILL) == 128 + SIGKILL);
    }

    // Reopening cleans temporary files and every row's file must be complete.
    std::unique_ptr<ContentStore> store;
    REQUIRE(ContentStore::Open(store_root, &store).ok());
    CHECK(CountTempFiles(store_root) == 0);
    std::unique_ptr<Manifest> manifest;
    REQUIRE(Manifest::Open(db, &manifest).ok());
    Statement rows = manifest->Prepare("SELECT sha256, path, bytes FROM images");
    int64_t row_count = 0;
    while (rows.Next()) {
      ++row_count;
      std::string bytes;
      REQUIRE(store->Read(rows.Text(1), &bytes).ok());
      CHECK(static_cast<int64_t>(bytes.size()) == rows.Int(2));
      CHECK(Sha256Hex(bytes) == rows.Text(0));
    }
    REQUIRE(rows.status().ok());
    CHECK(row_count >= previous_rows);
    previous_rows = row_count;
  }
  // The writer made progress across the kills.
  CHECK(previous_rows > 0);
}
