#include "common/content_store.h"

#include <doctest/doctest.h>

#include <sys/stat.h>

#include "common/sha256.h"
#include "tests/support/test_support.h"

using smallset::ContentStore;
using smallset::Status;
using smallset::StoredFile;
using smallset::testing::TempDir;

namespace {
const std::string kPngBytes = std::string("\x89PNG\r\n\x1A\n", 8) + "not really the rest of a png";
}

TEST_CASE("content store writes same bytes once") {
  TempDir dir;
  std::unique_ptr<ContentStore> store;
  REQUIRE(ContentStore::Open(dir / "images", &store).ok());
  StoredFile first, second;
  REQUIRE(store->Put(kPngBytes, &first).ok());
  REQUIRE(store->Put(kPngBytes, &second).ok());
  CHECK_FALSE(first.already_present);
  CHECK(second.already_present);
  CHECK(first.relative_path == second.relative_path);
  CHECK(first.sha256 == smallset::Sha256Hex(kPngBytes));
  CHECK(first.relative_path == first.sha256.substr(0, 2) + "/" + first.sha256 + ".png");
  std::string read_back;
  REQUIRE(store->Read(first.relative_path, &read_back).ok());
  CHECK(read_back == kPngBytes);
}

TEST_CASE("content store rejects non-images") {
  TempDir dir;
  std::unique_ptr<ContentStore> store;
  REQUIRE(ContentStore::Open(dir / "images", &store).ok());
  StoredFile file;
  Status status = store->Put("<html><body>denied</body></html>", &file);
  REQUIRE_FALSE(status.ok());
  CHECK(status.message().find("HTML") != std::string::npos);
}

TEST_CASE("unwritable store folder names the folder") {
  TempDir dir;
  smallset::testing::WriteTextFile(dir / "plainfile", "x");
  std::unique_ptr<ContentStore> store;
  std::string root = dir / "plainfile/images";
  Status status = ContentStore::Open(root, &store);
  REQUIRE_FALSE(status.ok());
  CHECK(status.message().find(root) != std::string::npos);
  CHECK(status.message().find("--store") != std::string::npos);
}

TEST_CASE("open removes temp files of dead writers") {
  TempDir dir;
  std::string root = dir / "images";
  {
    std::unique_ptr<ContentStore> store;
    REQUIRE(ContentStore::Open(root, &store).ok());
  }
  // pid 999999999 cannot exist (above pid_max), so its temp file is stale.
  smallset::testing::WriteTextFile(root + "/.tmp-999999999-0-1", "partial");
  mkdir((root + "/ab").c_str(), 0755);
  smallset::testing::WriteTextFile(root + "/ab/.tmp-999999999-1-2", "partial");
  std::unique_ptr<ContentStore> store;
  REQUIRE(ContentStore::Open(root, &store).ok());
  CHECK(store->removed_temp_files() == 2);
  CHECK_FALSE(smallset::testing::FileExists(root + "/ab/.tmp-999999999-1-2"));
}
