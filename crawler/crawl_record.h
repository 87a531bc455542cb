// The crawl's reads and writes of the manifest: queries, candidates and images.
// Each function is one small transaction, so that curate may write the same manifest
// at the same time and a crash loses at most the outcome being written.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/content_store.h"
#include "common/manifest.h"
#include "common/status.h"
#include "crawler/engine.h"
#include "crawler/http_response.h"

namespace smallset {

struct QueryRow {
  int64_t id = 0;
  std::string text;
  std::string label;
  std::string engine;
  std::string engine_url;  // "" for the engine's default
  int64_t requested = 0;
};

// Inserts the query, or finds it by (text, label, engine) and updates its requested count,
// engine URL and last run time. Sets row->id.
Status UpsertQuery(Manifest* manifest, QueryRow* row);

// Every query that `crawl --refresh` reruns (imports are not searches), oldest first.
Status ListQueries(Manifest* manifest, std::vector<QueryRow>* rows);

// Number of this query's candidates with status 'stored'.
Status CountStored(Manifest* manifest, int64_t query_id, int64_t* count);

// A candidate that still has to be downloaded.
struct PendingCandidate {
  int64_t id = 0;
  std::string url;  // normal form
};

struct FoundCandidate {
  std::string url;  // normal form
  Candidate details;
  int rank = 0;
};

// Inserts candidates whose URL the manifest has never seen, as 'pending'; URLs already
// present (found by this or any other query) are left alone. `inserted` gets the new rows.
Status InsertCandidates(Manifest* manifest, int64_t query_id, const std::string& engine,
                        const std::vector<FoundCandidate>& found, std::vector<PendingCandidate>* inserted);

// This query's 'pending' candidates, in rank order: those a killed run left behind.
Status LoadPendingCandidates(Manifest* manifest, int64_t query_id, std::vector<PendingCandidate>* pending);

// A download that failed in all of this many attempts, summed over runs, is not retried again.
constexpr int kMaxCandidateAttempts = 12;

// This query's candidates that an earlier run gave up on but a new run should try again,
// in rank order. These are the 'failed' ones with fewer than kMaxCandidateAttempts attempts
// so far whose failure was a transfer error (timeout, reset, cut-off body) or a retryable
// HTTP status. With `allow_private`, those 'skipped' for a private address are added.
Status LoadRetryableCandidates(Manifest* manifest, int64_t query_id, bool allow_private,
                               std::vector<PendingCandidate>* retryable);

// Records a download that stored nothing. `status` is 'failed' or 'skipped'.
Status RecordUnstored(Manifest* manifest, int64_t candidate_id, const HttpResponse& response, const char* status,
                      const std::string& reason);

// A download whose bytes are in the content store, to be recorded.
struct StoredOutcome {
  int64_t candidate_id = 0;
  HttpResponse response;  // the body is not needed
  StoredFile file;
  bool duplicate = false;  // set by RecordStored
};

// Records downloads whose bytes are in the content store, in one transaction: a new
// `images` row each, or, when the same bytes are already stored, status 'duplicate'
// pointing at that image. Call only after ContentStore::Put returned for each.
Status RecordStored(Manifest* manifest, const std::string& label, std::vector<StoredOutcome>* outcomes);

}  // namespace smallset
