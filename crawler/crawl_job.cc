#include "crawler/crawl_job.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <unordered_set>

#include "common/clock.h"
#include "common/interrupt.h"
#include "common/log.h"
#include "common/progress.h"
#include "common/sniff.h"
#include "crawler/crawl_record.h"
#include "crawler/engine.h"
#include "crawler/store_pool.h"
#include "crawler/url.h"

namespace smallset {
namespace {

// Writes an unrecognised result page beside the manifest and returns its path, or "".
// A numbered suffix keeps two pages saved within one second apart.
std::string SaveUnrecognisedPage(const Manifest& manifest, const std::string& engine, const std::string& body) {
  std::string stamp = NowUtcIso8601();
  stamp.erase(std::remove(stamp.begin(), stamp.end(), ':'), stamp.end());
  std::string stem = manifest.Directory() + "/crawl-unrecognised-" + engine + "-" + stamp;
  for (int attempt = 1; attempt < 100; ++attempt) {
    std::string path = stem + (attempt == 1 ? "" : "-" + std::to_string(attempt)) + ".html";
    int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0 && errno == EEXIST) continue;
    if (fd < 0) break;
    bool written = write(fd, body.data(), body.size()) == static_cast<ssize_t>(body.size());
    close(fd);
    if (written) return path;
    break;
  }
  SMALLSET_LOG_WARN("could not save the unrecognised page beside %s", manifest.path().c_str());
  return "";
}

std::string FormatMegabytes(int64_t bytes) { return StringPrintf("%.1f MB", bytes / 1e6); }

// Threads that write images into the content store. Put spends most of its time waiting
// in fsync, so several threads overlap those waits. In bench/crawl_bench scenario (a) on
// 2 cores, 4 threads stored about 545 images/s and 2 threads about 420.
constexpr int kStoreThreads = 4;

class CrawlJob {
 public:
  CrawlJob(Manifest* manifest, ContentStore* store, const HttpOptions& http, const CrawlRequest& request,
           CrawlSummary* summary)
      : manifest_(manifest),
        http_options_(http),
        request_(request),
        summary_(summary),
        client_(http),
        pool_(store, kStoreThreads, [this] { client_.Wakeup(); }) {}

  Status Run();

 private:
  void Pump();
  void FetchNextPage();
  void OnPage(HttpResponse response);
  void AddCandidates(const ResultPage& page);
  void OnDownload(const PendingCandidate& candidate, HttpResponse response);
  void RecordDownload(const PendingCandidate& candidate, HttpResponse response);
  void CollectStored();
  void CountUnstored(const char* status, const std::string& reason);
  void Fail(Status status);
  bool WantsMore() const { return stored_counted_ + in_flight_ < limit_; }
  void UpdateProgress();

  Manifest* manifest_;
  HttpOptions http_options_;
  const CrawlRequest& request_;
  CrawlSummary* summary_;
  HttpClient client_;
  StorePool pool_;  // after client_: its threads wake client_, so it must be destroyed first
  std::map<uint64_t, std::pair<PendingCandidate, HttpResponse>> storing_;  // by StorePool token, bodies moved out
  uint64_t next_token_ = 0;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<Progress> progress_;

  QueryRow query_;
  int64_t limit_ = 0;           // images to store, counted in stored_counted_
  int64_t stored_counted_ = 0;
  int64_t in_flight_ = 0;       // downloads submitted and not yet recorded
  std::deque<PendingCandidate> pending_;
  std::unordered_set<std::string> seen_;
  int next_rank_ = 0;
  bool page_in_flight_ = false;
  bool engine_done_ = false;
  Status fatal_;
};

Status CrawlJob::Run() {
  auto start = std::chrono::steady_clock::now();
  summary_->query = request_.query;
  summary_->label = request_.label;
  summary_->engine = request_.engine;
  summary_->wanted = request_.new_limit ? *request_.new_limit : request_.wanted;
  summary_->refresh = request_.new_limit.has_value();

  SMALLSET_RETURN_IF_ERROR(MakeEngine({request_.engine, request_.query, request_.engine_url}, &engine_));
  query_.text = request_.query;
  query_.label = request_.label;
  query_.engine = request_.engine;
  query_.engine_url = request_.engine_url;
  query_.requested = request_.wanted;
  SMALLSET_RETURN_IF_ERROR(UpsertQuery(manifest_, &query_));

  int64_t already_stored = 0;
  SMALLSET_RETURN_IF_ERROR(CountStored(manifest_, query_.id, &already_stored));
  if (request_.new_limit) {
    limit_ = *request_.new_limit;
  } else {
    limit_ = request_.wanted;
    stored_counted_ = already_stored;
  }

  std::vector<PendingCandidate> left_over;
  SMALLSET_RETURN_IF_ERROR(LoadPendingCandidates(manifest_, query_.id, &left_over));
  if (!left_over.empty()) SMALLSET_LOG_INFO("resuming %zu downloads left pending by an earlier run", left_over.size());
  pending_.assign(left_over.begin(), left_over.end());

  // Earlier failures go last, because the pending candidates are likelier to store.
  std::vector<PendingCandidate> retryable;
  SMALLSET_RETURN_IF_ERROR(LoadRetryableCandidates(manifest_, query_.id, http_options_.allow_private, &retryable));
  if (!retryable.empty()) SMALLSET_LOG_INFO("retrying %zu downloads that earlier runs gave up on", retryable.size());
  pending_.insert(pending_.end(), retryable.begin(), retryable.end());
  summary_->retried = static_cast<int64_t>(retryable.size());

  SMALLSET_LOG_INFO("crawling \"%s\" on %s for label \"%s\": %lld stored, %lld wanted", request_.query.c_str(),
                    request_.engine.c_str(), request_.label.c_str(), static_cast<long long>(already_stored),
                    static_cast<long long>(summary_->wanted));
  if (request_.show_progress) progress_ = std::make_unique<Progress>("download", limit_);

  Pump();
  Status run;
  while (client_.outstanding() > 0 || pool_.outstanding() > 0) {
    run = client_.RunOnce();
    if (!run.ok()) pool_.DropQueuedAndWait();  // interrupted: record the images already being written
    CollectStored();
    if (!run.ok()) break;
  }
  if (progress_) progress_->Finish();

  summary_->interrupted = run.code() == Status::Code::kInterrupted;
  SMALLSET_RETURN_IF_ERROR(CountStored(manifest_, query_.id, &summary_->stored));
  summary_->found = static_cast<int64_t>(seen_.size());
  summary_->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!fatal_.ok()) {
    summary_->error = fatal_.message();
    return fatal_;
  }
  return run;
}

void CrawlJob::Pump() {
  if (!fatal_.ok() || InterruptRequested()) return;
  // Downloads are handed to the client two rounds ahead, so that the rest wait here and
  // tell when the next result page is due.
  while (!pending_.empty() && WantsMore() && in_flight_ < 2 * http_options_.jobs) {
    PendingCandidate candidate = pending_.front();
    pending_.pop_front();
    ++in_flight_;
    client_.Submit({candidate.url, false},
                   [this, candidate](HttpResponse response) { OnDownload(candidate, std::move(response)); });
  }
  bool few_waiting = static_cast<int>(pending_.size()) < http_options_.jobs;
  if (!engine_done_ && !page_in_flight_ && few_waiting && WantsMore()) FetchNextPage();
}

void CrawlJob::FetchNextPage() {
  if (summary_->pages >= request_.max_pages) {
    SMALLSET_LOG_INFO("%s: stopping after %d result pages (the page limit)", engine_->name(), request_.max_pages);
    engine_done_ = true;
    return;
  }
  std::string url = engine_->NextPageUrl();
  page_in_flight_ = true;
  if (url.empty()) {
    OnPage(HttpResponse());
    return;
  }
  SMALLSET_LOG_DEBUG("fetching result page %s", url.c_str());
  client_.Submit({url, true}, [this](HttpResponse response) { OnPage(std::move(response)); });
}

void CrawlJob::OnPage(HttpResponse response) {
  page_in_flight_ = false;
  ++summary_->pages;
  if (!response.ok()) {
    std::string hint = response.http_status == 429 || response.http_status == 503
                           ? "the engine is limiting requests; wait and rerun later"
                           : "check --engine-url and the network";
    Fail(Status::Failed(StringPrintf("%s result page for \"%s\" failed: %s after %d attempts (%s); %s",
                                     request_.engine.c_str(), request_.query.c_str(), response.error.c_str(),
                                     response.attempts, response.url.c_str(), hint.c_str())));
    return;
  }

  ResultPage page;
  Status parsed = engine_->ParsePage(response, &page);
  if (!parsed.ok()) {
    summary_->saved_page = SaveUnrecognisedPage(*manifest_, request_.engine, response.body);
    Fail(Status::Unsupported(StringPrintf("%s for query \"%s\" (page saved to %s)", parsed.message().c_str(),
                                          request_.query.c_str(),
                                          summary_->saved_page.empty() ? "nowhere" : summary_->saved_page.c_str())));
    return;
  }
  AddCandidates(page);
  if (page.last_page) engine_done_ = true;
  Pump();
}

void CrawlJob::AddCandidates(const ResultPage& page) {
  std::vector<FoundCandidate> found;
  for (const Candidate& candidate : page.candidates) {
    std::optional<std::string> url = NormaliseUrl(candidate.url);
    if (!url) {
      SMALLSET_LOG_DEBUG("ignoring a result that is not an http(s) URL: %.80s", candidate.url.c_str());
      continue;
    }
    if (!seen_.insert(*url).second) continue;
    if (!request_.licenses.empty()) {
      std::string code = LicenseCode(candidate.license);
      if (std::find(request_.licenses.begin(), request_.licenses.end(), code) == request_.licenses.end()) {
        SMALLSET_LOG_DEBUG("ignoring %s: licence \"%s\" is not in --license", url->c_str(), candidate.license.c_str());
        continue;
      }
    }
    found.push_back({*url, candidate, next_rank_++});
  }

  std::vector<PendingCandidate> inserted;
  Status status = InsertCandidates(manifest_, query_.id, request_.engine, found, &inserted);
  if (!status.ok()) return Fail(status);
  pending_.insert(pending_.end(), inserted.begin(), inserted.end());
  SMALLSET_LOG_INFO("%s page %lld: %zu results, %zu new to this run, %zu new to the manifest", engine_->name(),
                    static_cast<long long>(summary_->pages), page.candidates.size(), found.size(), inserted.size());

  bool added_nothing = page.is_result_page && found.empty();
  if (added_nothing) {
    SMALLSET_LOG_INFO("%s: the last page added no new URL; the engine has no more results", engine_->name());
    engine_done_ = true;
    summary_->engine_exhausted = true;
  } else if (page.last_page) {
    summary_->engine_exhausted = true;
  }
}

void CrawlJob::OnDownload(const PendingCandidate& candidate, HttpResponse response) {
  summary_->bytes += static_cast<int64_t>(response.body.size());
  if (response.ok() && IsSupportedRaster(SniffFormat(response.body))) {
    // Still counted in in_flight_ until CollectStored() records it.
    uint64_t token = next_token_++;
    pool_.Submit(token, std::move(response.body));
    response.body.clear();
    storing_.emplace(token, std::make_pair(candidate, std::move(response)));
    return;
  }
  --in_flight_;
  RecordDownload(candidate, std::move(response));
  UpdateProgress();
  Pump();
}

// Records a download that is not stored: a transfer error or bytes that are no image.
void CrawlJob::RecordDownload(const PendingCandidate& candidate, HttpResponse response) {
  const char* status;
  std::string reason;
  if (!response.ok()) {
    status = response.error_is_skip ? "skipped" : "failed";
    reason = response.error;
  } else {
    status = "skipped";
    reason = SkipReasonFor(SniffFormat(response.body));
  }
  SMALLSET_LOG_INFO("%s %s: %s", status, candidate.url.c_str(), reason.c_str());
  CountUnstored(status, reason);
  Status recorded = RecordUnstored(manifest_, candidate.id, response, status, reason);
  if (!recorded.ok()) Fail(recorded);
}

// Records every image the store pool finished since the last call, in one transaction.
void CrawlJob::CollectStored() {
  std::vector<StorePool::Result> results = pool_.TakeFinished();
  if (results.empty()) return;
  std::vector<StoredOutcome> outcomes;
  std::vector<std::string> urls;
  for (StorePool::Result& result : results) {
    auto node = storing_.find(result.token);
    urls.push_back(node->second.first.url);
    outcomes.push_back({node->second.first.id, std::move(node->second.second), result.file, false});
    storing_.erase(node);
    --in_flight_;
    if (!result.status.ok()) return Fail(result.status);
  }

  Status recorded = RecordStored(manifest_, request_.label, &outcomes);
  if (!recorded.ok()) return Fail(recorded);
  for (size_t i = 0; i < outcomes.size(); ++i) {
    if (outcomes[i].duplicate) {
      ++summary_->duplicates;
      SMALLSET_LOG_DEBUG("duplicate %s: same bytes as an image stored before", urls[i].c_str());
    } else {
      ++summary_->stored_now;
      ++stored_counted_;
    }
  }
  UpdateProgress();
  Pump();
}

void CrawlJob::CountUnstored(const char* status, const std::string& reason) {
  ++(std::string(status) == "skipped" ? summary_->skipped : summary_->failed);
  ++summary_->reasons[reason];
}

void CrawlJob::Fail(Status status) {
  if (fatal_.ok()) {
    SMALLSET_LOG_ERROR("%s", status.message().c_str());
    fatal_ = status;
  }
  engine_done_ = true;
}

void CrawlJob::UpdateProgress() {
  if (!progress_) return;
  progress_->Update(stored_counted_,
                    StringPrintf("candidates %zu  stored %lld  failed %lld  skipped %lld  %s", seen_.size(),
                                 static_cast<long long>(summary_->stored_now), static_cast<long long>(summary_->failed),
                                 static_cast<long long>(summary_->skipped), FormatMegabytes(summary_->bytes).c_str()));
}

}  // namespace

Status RunCrawl(Manifest* manifest, ContentStore* store, const HttpOptions& http, const CrawlRequest& request,
                CrawlSummary* summary) {
  CrawlJob job(manifest, store, http, request, summary);
  Status status = job.Run();

  // An error before the first download, such as an unreadable URL list, returns without going
  // through Fail(). It is logged and put into the summary here, so that the summary does not
  // blame the engine for the shortfall.
  if (!status.ok() && summary->error.empty() && status.code() != Status::Code::kInterrupted) {
    SMALLSET_LOG_ERROR("%s", status.message().c_str());
    summary->error = status.message();
  }
  return status;
}

}  // namespace smallset
