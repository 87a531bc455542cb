#include "common/manifest.h"

#include <doctest/doctest.h>

#include "tests/support/test_support.h"

using smallset::Manifest;
using smallset::Status;
using smallset::testing::TempDir;

TEST_CASE("manifest created at latest version") {
  TempDir dir;
  std::unique_ptr<Manifest> manifest;
  REQUIRE(Manifest::Open(dir / "data.db", &manifest).ok());
  CHECK(manifest->SchemaVersion() == Manifest::LatestVersion());
  CHECK(Manifest::LatestVersion() >= 3);
}

TEST_CASE("manifest migrates from every older version") {
  for (int version = 0; version < Manifest::LatestVersion(); ++version) {
    CAPTURE(version);
    TempDir dir;
    {
      std::unique_ptr<Manifest> old;
      REQUIRE(Manifest::OpenAtVersion(dir / "data.db", version, &old).ok());
      CHECK(old->SchemaVersion() == version);
    }
    std::unique_ptr<Manifest> manifest;
    REQUIRE(Manifest::Open(dir / "data.db", &manifest).ok());
    CHECK(manifest->SchemaVersion() == Manifest::LatestVersion());
    CHECK(manifest->Prepare("SELECT count(*) FROM settings").Next());
  }
}

TEST_CASE("manifest from a newer version is rejected") {
  TempDir dir;
  {
    std::unique_ptr<Manifest> manifest;
    REQUIRE(Manifest::Open(dir / "data.db", &manifest).ok());
    REQUIRE(manifest->Exec("PRAGMA user_version=999").ok());
  }
  std::unique_ptr<Manifest> manifest;
  Status status = Manifest::Open(dir / "data.db", &manifest);
  REQUIRE_FALSE(status.ok());
  CHECK(status.message().find("999") != std::string::npos);
  CHECK(status.message().find(std::to_string(Manifest::LatestVersion())) != std::string::npos);
}

TEST_CASE("manifest rejects a file that is not SQLite") {
  TempDir dir;
  smallset::testing::WriteTextFile(dir / "data.db", std::string(4096, 'x'));
  std::unique_ptr<Manifest> manifest;
  Status status = Manifest::Open(dir / "data.db", &manifest);
  REQUIRE_FALSE(status.ok());
  CHECK(status.message().find("not a smallset manifest") != std::string::npos);
}

TEST_CASE("write transaction rolls back on error") {
  TempDir dir;
  std::unique_ptr<Manifest> manifest;
  REQUIRE(Manifest::Open(dir / "data.db", &manifest).ok());
  Status status = manifest->WriteTransaction([&] {
    SMALLSET_RETURN_IF_ERROR(manifest->PutSetting("split", "135:20"));
    return Status::Failed("stop");
  });
  CHECK_FALSE(status.ok());
  CHECK_FALSE(manifest->GetSetting("split").has_value());

  REQUIRE(manifest->WriteTransaction([&] { return manifest->PutSetting("split", "135:20"); }).ok());
  CHECK(manifest->GetSetting("split") == std::optional<std::string>("135:20"));
}

TEST_CASE("connection pragmas are set") {
  TempDir dir;
  std::unique_ptr<Manifest> manifest;
  REQUIRE(Manifest::Open(dir / "data.db", &manifest).ok());
  auto journal = manifest->Prepare("PRAGMA journal_mode");
  REQUIRE(journal.Next());
  CHECK(journal.Text(0) == "wal");
  auto keys = manifest->Prepare("PRAGMA foreign_keys");
  REQUIRE(keys.Next());
  CHECK(keys.Int(0) == 1);
  auto sync = manifest->Prepare("PRAGMA synchronous");
  REQUIRE(sync.Next());
  CHECK(sync.Int(0) == 1);  // NORMAL
}
