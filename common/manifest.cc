#include "common/manifest.h"

#include <unistd.h>

#include <chrono>
#include <thread>

#include "common/clock.h"
#include "common/log.h"
#include "common/version.h"
#include "db/migrations.inc"

namespace smallset {
namespace {

// How long one statement waits for another process's lock before SQLite gives up.
constexpr int kBusyTimeoutMs = 10000;

// How long WriteTransaction keeps retrying BEGIN and COMMIT after SQLite gave up.
constexpr auto kTransactionRetryLimit = std::chrono::seconds(60);

Status SqliteError(sqlite3* db, int rc, const std::string& what) {
  std::string message = what + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) return Status::Busy(message);
  if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT) return Status::Corruption(message);
  if (rc == SQLITE_CANTOPEN || rc == SQLITE_IOERR || rc == SQLITE_READONLY || rc == SQLITE_FULL) {
    return Status::IoError(message);
  }
  return Status::Failed(message);
}

bool IsBusy(int rc) { return (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED; }

// Runs `sql` until it stops reporting SQLITE_BUSY or the retry limit passes.
int ExecRetryingBusy(sqlite3* db, const char* sql) {
  auto deadline = std::chrono::steady_clock::now() + kTransactionRetryLimit;
  int attempt = 0;
  while (true) {
    int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
    if (!IsBusy(rc) || std::chrono::steady_clock::now() > deadline) return rc;
    ++attempt;
    SMALLSET_LOG_DEBUG("manifest busy on \"%s\", retry %d", sql, attempt);
    std::this_thread::sleep_for(std::chrono::milliseconds(20 * std::min(attempt, 25)));
  }
}

}  // namespace

// ---- Statement ---------------------------------------------------------------------------

Statement::Statement(sqlite3* db, const char* sql) : db_(db) {
  int rc = sqlite3_prepare_v2(db_, sql, -1, &stmt_, nullptr);
  if (rc != SQLITE_OK) {
    status_ = SqliteError(db_, rc, std::string("cannot prepare SQL \"") + sql + "\"");
    stmt_ = nullptr;
  }
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_), stmt_(other.stmt_), status_(std::move(other.status_)) {
  other.stmt_ = nullptr;
}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    db_ = other.db_;
    stmt_ = other.stmt_;
    status_ = std::move(other.status_);
    other.stmt_ = nullptr;
  }
  return *this;
}

void Statement::Fail(int rc, const char* what) {
  if (status_.ok()) {
    const char* sql = stmt_ ? sqlite3_sql(stmt_) : "";
    status_ = SqliteError(db_, rc, std::string(what) + " \"" + sql + "\"");
  }
}

Statement& Statement::Bind(int index, int64_t value) {
  if (stmt_ && status_.ok()) {
    int rc = sqlite3_bind_int64(stmt_, index, value);
    if (rc != SQLITE_OK) Fail(rc, "cannot bind parameter of");
  }
  return *this;
}

Statement& Statement::Bind(int index, double value) {
  if (stmt_ && status_.ok()) {
    int rc = sqlite3_bind_double(stmt_, index, value);
    if (rc != SQLITE_OK) Fail(rc, "cannot bind parameter of");
  }
  return *this;
}

Statement& Statement::Bind(int index, std::string_view text) {
  if (stmt_ && status_.ok()) {
    int rc = sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    if (rc != SQLITE_OK) Fail(rc, "cannot bind parameter of");
  }
  return *this;
}

Statement& Statement::BindBlob(int index, std::string_view bytes) {
  if (stmt_ && status_.ok()) {
    int rc = sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT);
    if (rc != SQLITE_OK) Fail(rc, "cannot bind parameter of");
  }
  return *this;
}

Statement& Statement::BindNull(int index) {
  if (stmt_ && status_.ok()) {
    int rc = sqlite3_bind_null(stmt_, index);
    if (rc != SQLITE_OK) Fail(rc, "cannot bind parameter of");
  }
  return *this;
}

bool Statement::Next() {
  if (!stmt_ || !status_.ok()) return false;
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc != SQLITE_DONE) Fail(rc, "cannot run");
  return false;
}

Status Statement::Run() {
  while (Next()) {
  }
  return status_;
}

void Statement::Reset() {
  if (!stmt_) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  status_ = Status::Ok();
}

int64_t Statement::Int(int column) const { return sqlite3_column_int64(stmt_, column); }
double Statement::Double(int column) const { return sqlite3_column_double(stmt_, column); }
bool Statement::IsNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

std::string Statement::Text(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  if (text == nullptr) return "";
  return std::string(reinterpret_cast<const char*>(text), sqlite3_column_bytes(stmt_, column));
}

std::string Statement::Blob(int column) const {
  const void* data = sqlite3_column_blob(stmt_, column);
  if (data == nullptr) return "";
  return std::string(static_cast<const char*>(data), sqlite3_column_bytes(stmt_, column));
}

std::optional<int64_t> Statement::OptionalInt(int column) const {
  if (IsNull(column)) return std::nullopt;
  return Int(column);
}

std::optional<std::string> Statement::OptionalText(int column) const {
  if (IsNull(column)) return std::nullopt;
  return Text(column);
}

// ---- Manifest ----------------------------------------------------------------------------

int Manifest::LatestVersion() { return static_cast<int>(sizeof(kMigrations) / sizeof(kMigrations[0])); }

Status Manifest::Open(const std::string& path, std::unique_ptr<Manifest>* out) {
  return OpenAtVersion(path, LatestVersion(), out);
}

Status Manifest::OpenAtVersion(const std::string& path, int version, std::unique_ptr<Manifest>* out) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Status status = SqliteError(db, rc, "cannot open manifest " + path);
    sqlite3_close(db);
    return Status::IoError(status.message() + "; check that the folder exists and is writable, or pass another --manifest");
  }
  std::unique_ptr<Manifest> manifest(new Manifest(db, path));
  Status status = manifest->Configure();
  if (status.ok()) status = manifest->Migrate(version);
  if (!status.ok()) return status;
  *out = std::move(manifest);
  return Status::Ok();
}

Manifest::~Manifest() { sqlite3_close(db_); }

Status Manifest::Configure() {
  sqlite3_busy_timeout(db_, kBusyTimeoutMs);
  sqlite3_extended_result_codes(db_, 1);

  // journal_mode needs a lock the first time, so it is retried like a write.
  int rc = ExecRetryingBusy(db_, "PRAGMA journal_mode=WAL");
  if (rc == SQLITE_NOTADB) {
    return Status::Corruption(path_ + " is not a smallset manifest (not an SQLite database); pass another --manifest");
  }
  if (rc != SQLITE_OK) return SqliteError(db_, rc, "cannot switch manifest " + path_ + " to WAL");
  SMALLSET_RETURN_IF_ERROR(Exec("PRAGMA foreign_keys=ON"));
  SMALLSET_RETURN_IF_ERROR(Exec("PRAGMA synchronous=NORMAL"));
  return Status::Ok();
}

int Manifest::SchemaVersion() {
  Statement query = Prepare("PRAGMA user_version");
  return query.Next() ? static_cast<int>(query.Int(0)) : -1;
}

Status Manifest::Migrate(int target_version) {
  int version = SchemaVersion();
  if (version > LatestVersion()) {
    return Status::Unsupported(StringPrintf(
        "manifest %s has schema version %d, but smallset %s reads versions up to %d; upgrade smallset",
        path_.c_str(), version, SMALLSET_VERSION, LatestVersion()));
  }
  if (version >= target_version) return Status::Ok();

  // Another process may migrate at the same moment, so the version is read again once the
  // write lock is held, and only the migrations still missing are applied.
  return WriteTransaction([&]() -> Status {
    int current = SchemaVersion();
    for (const Migration& migration : kMigrations) {
      if (migration.version <= current || migration.version > target_version) continue;
      char* error = nullptr;
      int rc = sqlite3_exec(db_, migration.sql, nullptr, nullptr, &error);
      if (rc != SQLITE_OK) {
        std::string message = StringPrintf("migration %s failed on %s: %s", migration.name, path_.c_str(),
                                           error ? error : sqlite3_errstr(rc));
        sqlite3_free(error);
        return Status::Failed(message);
      }
      // PRAGMA takes no parameters; the value is our own integer, never user data.
      SMALLSET_RETURN_IF_ERROR(Exec(StringPrintf("PRAGMA user_version=%d", migration.version).c_str()));
      if (current > 0) SMALLSET_LOG_INFO("migrated manifest %s to version %d (%s)", path_.c_str(), migration.version, migration.name);
    }
    return Status::Ok();
  });
}

Status Manifest::Exec(const char* sql) {
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db_, rc, std::string("cannot run \"") + sql + "\" on " + path_);
  return Status::Ok();
}

Status Manifest::WriteTransaction(const std::function<Status()>& body) {
  int rc = ExecRetryingBusy(db_, "BEGIN IMMEDIATE");
  if (rc != SQLITE_OK) return SqliteError(db_, rc, "cannot start a write transaction on " + path_);

  Status status;
  try {
    status = body();
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  if (!status.ok()) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return status;
  }

  rc = ExecRetryingBusy(db_, "COMMIT");
  if (rc != SQLITE_OK) {
    Status error = SqliteError(db_, rc, "cannot commit to " + path_);
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return error;
  }
  return Status::Ok();
}

std::optional<std::string> Manifest::GetSetting(const std::string& key) {
  Statement query = Prepare("SELECT value FROM settings WHERE key = ?");
  query.Bind(1, key);
  if (query.Next()) return query.Text(0);
  return std::nullopt;
}

Status Manifest::PutSetting(const std::string& key, const std::string& value) {
  Statement upsert = Prepare(
      "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) "
      "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at");
  upsert.Bind(1, key).Bind(2, value).Bind(3, NowUtcIso8601());
  return upsert.Run();
}

int64_t Manifest::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }
int Manifest::Changes() const { return sqlite3_changes(db_); }

std::string Manifest::Directory() const {
  size_t slash = path_.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path_.substr(0, slash);
}

std::string Manifest::StoreDirectory() {
  std::optional<std::string> setting = GetSetting("store_dir");
  std::string store = setting ? *setting : "images";
  if (!store.empty() && store[0] == '/') return store;
  return Directory() + "/" + store;
}

}  // namespace smallset
