#include "crawler/crawl_record.h"

#include "crawler/http_client.h"

#include "common/clock.h"

namespace smallset {
namespace {

std::optional<std::string> NonEmpty(const std::string& text) {
  return text.empty() ? std::nullopt : std::optional<std::string>(text);
}

// Binds the response fields shared by every outcome: attempts, http_status, content_type,
// bytes, final_url, updated_at (parameters 2 to 7).
void BindResponse(Statement& update, const HttpResponse& response, std::optional<int64_t> bytes) {
  update.Bind(2, response.attempts);
  update.Bind(3, response.http_status > 0 ? std::optional<int64_t>(response.http_status) : std::nullopt);
  update.Bind(4, NonEmpty(response.content_type));
  update.Bind(5, bytes);
  update.Bind(6, NonEmpty(response.final_url));
  update.Bind(7, NowUtcIso8601());
}

}  // namespace

Status UpsertQuery(Manifest* manifest, QueryRow* row) {
  return manifest->WriteTransaction([&] {
    std::string now = NowUtcIso8601();
    Statement insert = manifest->Prepare(
        "INSERT INTO queries (text, label, engine, engine_url, requested, created_at, last_run_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (text, label, engine) DO UPDATE SET requested = excluded.requested, "
        "engine_url = excluded.engine_url, last_run_at = excluded.last_run_at");
    insert.Bind(1, row->text).Bind(2, row->label).Bind(3, row->engine).Bind(4, NonEmpty(row->engine_url));
    insert.Bind(5, row->requested).Bind(6, now).Bind(7, now);
    SMALLSET_RETURN_IF_ERROR(insert.Run());

    Statement select = manifest->Prepare("SELECT id FROM queries WHERE text = ? AND label = ? AND engine = ?");
    select.Bind(1, row->text).Bind(2, row->label).Bind(3, row->engine);
    if (!select.Next()) return select.status().ok() ? Status::Failed("query row vanished") : select.status();
    row->id = select.Int(0);
    return Status::Ok();
  });
}

Status ListQueries(Manifest* manifest, std::vector<QueryRow>* rows) {
  Statement select = manifest->Prepare(
      "SELECT id, text, label, engine, engine_url, requested FROM queries WHERE engine <> 'import' ORDER BY id");
  while (select.Next()) {
    QueryRow row;
    row.id = select.Int(0);
    row.text = select.Text(1);
    row.label = select.Text(2);
    row.engine = select.Text(3);
    row.engine_url = select.Text(4);
    row.requested = select.Int(5);
    rows->push_back(std::move(row));
  }
  return select.status();
}

Status CountStored(Manifest* manifest, int64_t query_id, int64_t* count) {
  Statement select = manifest->Prepare("SELECT COUNT(*) FROM candidates WHERE query_id = ? AND status = 'stored'");
  select.Bind(1, query_id);
  *count = select.Next() ? select.Int(0) : 0;
  return select.status();
}

Status InsertCandidates(Manifest* manifest, int64_t query_id, const std::string& engine,
                        const std::vector<FoundCandidate>& found, std::vector<PendingCandidate>* inserted) {
  std::vector<PendingCandidate> added;
  Status status = manifest->WriteTransaction([&] {
    added.clear();
    std::string now = NowUtcIso8601();
    Statement insert = manifest->Prepare(
        "INSERT INTO candidates (url, query_id, engine, rank, page_url, thumbnail_url, title, license, creator, "
        "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (url) DO NOTHING");
    for (const FoundCandidate& candidate : found) {
      insert.Reset();
      insert.Bind(1, candidate.url).Bind(2, query_id).Bind(3, engine).Bind(4, candidate.rank);
      insert.Bind(5, NonEmpty(candidate.details.page_url)).Bind(6, NonEmpty(candidate.details.thumbnail_url));
      insert.Bind(7, NonEmpty(candidate.details.title)).Bind(8, NonEmpty(candidate.details.license));
      insert.Bind(9, NonEmpty(candidate.details.creator)).Bind(10, now).Bind(11, now);
      SMALLSET_RETURN_IF_ERROR(insert.Run());
      if (manifest->Changes() == 1) added.push_back({manifest->LastInsertRowId(), candidate.url});
    }
    return Status::Ok();
  });
  if (status.ok()) inserted->insert(inserted->end(), added.begin(), added.end());
  return status;
}

Status LoadPendingCandidates(Manifest* manifest, int64_t query_id, std::vector<PendingCandidate>* pending) {
  Statement select =
      manifest->Prepare("SELECT id, url FROM candidates WHERE query_id = ? AND status = 'pending' ORDER BY rank, id");
  select.Bind(1, query_id);
  while (select.Next()) pending->push_back({select.Int(0), select.Text(1)});
  return select.status();
}

Status LoadRetryableCandidates(Manifest* manifest, int64_t query_id, bool allow_private,
                               std::vector<PendingCandidate>* retryable) {
  Statement select = manifest->Prepare(
      "SELECT id, url, status, attempts, COALESCE(http_status, 0), COALESCE(last_error, '') FROM candidates "
      "WHERE query_id = ? AND status IN ('failed', 'skipped') ORDER BY rank, id");
  select.Bind(1, query_id);
  while (select.Next()) {
    const std::string status = select.Text(2);
    const int64_t attempts = select.Int(3);
    const long http_status = static_cast<long>(select.Int(4));
    const std::string error = select.Text(5);

    bool retry;
    if (status == "skipped") {
      retry = allow_private && error.rfind("private address ", 0) == 0;
    } else {
      // A transfer error has no HTTP status. Redirect loops do not heal by waiting.
      const bool transient = http_status == 0 ? error != "too many redirects" : IsRetryableHttpStatus(http_status);
      retry = transient && attempts < kMaxCandidateAttempts;
    }
    if (retry) retryable->push_back({select.Int(0), select.Text(1)});
  }
  return select.status();
}

Status RecordUnstored(Manifest* manifest, int64_t candidate_id, const HttpResponse& response, const char* status,
                      const std::string& reason) {
  return manifest->WriteTransaction([&] {
    Statement update = manifest->Prepare(
        "UPDATE candidates SET status = ?8, attempts = attempts + ?2, http_status = ?3, content_type = ?4, "
        "bytes = ?5, final_url = ?6, updated_at = ?7, last_error = ?9 WHERE id = ?1");
    update.Bind(1, candidate_id);
    BindResponse(update, response, response.body.empty() ? std::nullopt : std::optional<int64_t>(response.body.size()));
    update.Bind(8, status).Bind(9, reason);
    return update.Run();
  });
}

Status RecordStored(Manifest* manifest, const std::string& label, std::vector<StoredOutcome>* outcomes) {
  return manifest->WriteTransaction([&] {
    Statement find = manifest->Prepare("SELECT id FROM images WHERE sha256 = ?");
    Statement insert = manifest->Prepare(
        "INSERT INTO images (sha256, path, bytes, format, label, first_seen_at) VALUES (?, ?, ?, ?, ?, ?)");
    Statement update = manifest->Prepare(
        "UPDATE candidates SET status = ?8, attempts = attempts + ?2, http_status = ?3, content_type = ?4, "
        "bytes = ?5, final_url = ?6, updated_at = ?7, last_error = NULL, image_id = ?9 WHERE id = ?1");
    for (StoredOutcome& outcome : *outcomes) {
      find.Reset();
      find.Bind(1, outcome.file.sha256);
      outcome.duplicate = find.Next();
      SMALLSET_RETURN_IF_ERROR(find.status());
      int64_t image_id;
      if (outcome.duplicate) {
        image_id = find.Int(0);
      } else {
        insert.Reset();
        insert.Bind(1, outcome.file.sha256).Bind(2, outcome.file.relative_path).Bind(3, outcome.file.bytes);
        insert.Bind(4, FormatName(outcome.file.format)).Bind(5, label).Bind(6, NowUtcIso8601());
        SMALLSET_RETURN_IF_ERROR(insert.Run());
        image_id = manifest->LastInsertRowId();
      }

      update.Reset();
      update.Bind(1, outcome.candidate_id);
      BindResponse(update, outcome.response, outcome.file.bytes);
      update.Bind(8, outcome.duplicate ? "duplicate" : "stored").Bind(9, image_id);
      SMALLSET_RETURN_IF_ERROR(update.Run());
    }
    return Status::Ok();
  });
}

}  // namespace smallset
