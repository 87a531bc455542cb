// The manifest: one SQLite file that crawl, curate and train share, and the only
// hand-over between them.
//
// Every connection uses WAL, foreign keys, synchronous=NORMAL and a busy timeout, so that
// several programs may read and write the same file at once. Every transaction that may
// write starts with BEGIN IMMEDIATE: it takes the write lock up front, so it never fails
// half-way with SQLITE_BUSY on lock upgrade, and a busy manifest is retried, not reported.
//
//   std::unique_ptr<Manifest> manifest;
//   SMALLSET_RETURN_IF_ERROR(Manifest::Open("data.db", &manifest));
//   SMALLSET_RETURN_IF_ERROR(manifest->WriteTransaction([&] {
//     Statement insert = manifest->Prepare("INSERT INTO settings VALUES (?, ?, ?)");
//     insert.Bind(1, "split").Bind(2, "135:20").Bind(3, NowUtcIso8601());
//     return insert.Run();
//   }));
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace smallset {

// A prepared statement. Errors from preparing, binding and stepping are kept in status(),
// so a call site can bind and step without checking each call, then check once.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql);
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Parameters are 1-based, as in sqlite3_bind_*.
  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, int value) { return Bind(index, static_cast<int64_t>(value)); }
  Statement& Bind(int index, double value);
  Statement& Bind(int index, std::string_view text);
  Statement& Bind(int index, const char* text) { return Bind(index, std::string_view(text)); }
  Statement& Bind(int index, const std::string& text) { return Bind(index, std::string_view(text)); }
  Statement& BindBlob(int index, std::string_view bytes);
  Statement& BindNull(int index);
  template <typename T>
  Statement& Bind(int index, const std::optional<T>& value) {
    return value ? Bind(index, *value) : BindNull(index);
  }

  // Steps once. Returns true while a row is available; false when done or on error,
  // which status() then holds.
  bool Next();

  // Steps to completion, for statements that return no rows.
  Status Run();

  // Clears bindings and rewinds, keeping the compiled statement for the next use.
  void Reset();

  // Columns are 0-based, as in sqlite3_column_*.
  int64_t Int(int column) const;
  double Double(int column) const;
  std::string Text(int column) const;  // empty for NULL
  std::string Blob(int column) const;
  bool IsNull(int column) const;
  std::optional<int64_t> OptionalInt(int column) const;
  std::optional<std::string> OptionalText(int column) const;

  const Status& status() const { return status_; }

 private:
  void Fail(int rc, const char* what);

  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  Status status_;
};

class Manifest {
 public:
  // Opens or creates the manifest at `path` and applies pending migrations.
  // A manifest written by a newer smallset is rejected with both versions named.
  static Status Open(const std::string& path, std::unique_ptr<Manifest>* out);

  // Like Open, but stops migrating after `version` (used by the migration tests to
  // create manifests of every older version).
  static Status OpenAtVersion(const std::string& path, int version, std::unique_ptr<Manifest>* out);

  ~Manifest();
  Manifest(const Manifest&) = delete;
  Manifest& operator=(const Manifest&) = delete;

  // Schema version this build writes: the number of the last migration in db/.
  static int LatestVersion();

  // PRAGMA user_version of the open file.
  int SchemaVersion();

  Statement Prepare(const char* sql) { return Statement(db_, sql); }

  // Runs SQL without parameters (no user data may be pasted into `sql`).
  Status Exec(const char* sql);

  // Runs `body` inside BEGIN IMMEDIATE ... COMMIT. Rolls back when `body` returns an error
  // or throws. Retries the BEGIN and the COMMIT while the manifest is locked by another
  // process, for up to a minute in all, so that ordinary contention never reaches the user.
  // Not reentrant: `body` must not start another transaction.
  Status WriteTransaction(const std::function<Status()>& body);

  // Reads and writes the settings table.
  std::optional<std::string> GetSetting(const std::string& key);
  Status PutSetting(const std::string& key, const std::string& value);  // call inside a transaction

  int64_t LastInsertRowId() const;
  int Changes() const;

  sqlite3* db() { return db_; }
  const std::string& path() const { return path_; }

  // Folder that contains the manifest file.
  std::string Directory() const;

  // Content store folder: the "store_dir" setting, resolved against Directory() when
  // relative, or `images` beside the manifest when no setting exists.
  std::string StoreDirectory();

 private:
  Manifest(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  Status Configure();
  Status Migrate(int target_version);

  sqlite3* db_;
  std::string path_;
};

}  // namespace smallset
