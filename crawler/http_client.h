// Concurrent HTTP GETs over one libcurl multi handle, driven from the calling thread.
//
//   HttpClient client(options);
//   client.Submit({url}, [&](HttpResponse response) { ...; client.Submit(...); });
//   Status status = client.Run();
//
// Every callback runs on the thread that called Run(), so callbacks may write the
// manifest and submit further requests without locks.
//
// Limits per transfer: connect timeout, whole-transfer timeout, abort below 1 KB/s for
// 15 s, at most `max_redirects` redirects, http and https only (after redirects too),
// `max_bytes` enforced from Content-Length and while streaming. At most `jobs` transfers
// run at once and at most `per_host` to one host; connections are kept alive and reused.
//
// Retries: timeouts, connection resets, cut-off bodies and HTTP 408, 429, 500, 502, 503
// and 504 are retried up to `max_retries` times. The wait before a retry is the server's
// Retry-After when it sends one (at most 60 s), else an exponential backoff with jitter:
// retry_base_seconds x 2^(attempt-1), times a random factor from 0.5 to 1.0.
// Other 4xx responses are final.
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "common/status.h"
#include "crawler/http_response.h"

namespace smallset {

// True for the HTTP statuses that are retried: 408, 429, 500, 502, 503 and 504.
bool IsRetryableHttpStatus(long status);

struct HttpOptions {
  int jobs = 16;
  int per_host = 4;
  double timeout_seconds = 30;
  double connect_timeout_seconds = 10;
  int max_redirects = 10;
  int64_t max_bytes = 20 << 20;
  int max_retries = 3;
  double retry_base_seconds = 1;
  double max_retry_after_seconds = 60;
  std::string user_agent;
  // Connect to loopback, private and link-local addresses (see address_policy.h).
  bool allow_private = false;
};

struct HttpRequest {
  std::string url;
  // An engine's result page: compressed bodies are accepted, and the address policy does
  // not apply, because the engine URL is the user's own choice.
  bool is_page = false;
};

using HttpCallback = std::function<void(HttpResponse)>;

class HttpClient {
 public:
  explicit HttpClient(const HttpOptions& options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Queues a request. Result pages start at once; downloads start in submission order,
  // subject to the limits.
  void Submit(HttpRequest request, HttpCallback done);

  // Runs until no request is queued, running or waiting for a retry. Returns
  // Status::Interrupted as soon as SIGINT or SIGTERM arrived: transfers still running
  // are abandoned and their callbacks never run.
  Status Run();

  // One step of Run(): starts what the limits allow, moves transfers on, calls back for
  // finished ones, and otherwise waits up to 100 ms for network activity or Wakeup().
  Status RunOnce();

  // Ends the current wait of RunOnce() early. Safe to call from any thread.
  void Wakeup();

  // Requests submitted and not yet finished (queued, running or waiting for a retry).
  size_t outstanding() const { return queued_pages_.size() + queued_.size() + waiting_.size() + running_.size(); }

  struct Transfer;

 private:
  void StartTransfers();
  void Start(std::unique_ptr<Transfer> transfer);
  void Finish(CURL* easy, CURLcode code);
  bool ScheduleRetry(std::unique_ptr<Transfer>& transfer, const HttpResponse& response);
  void ReleaseDueRetries();
  long PollTimeoutMilliseconds() const;

  HttpOptions options_;
  CURLM* multi_;
  std::deque<std::unique_ptr<Transfer>> queued_pages_;  // result pages, started before downloads
  std::deque<std::unique_ptr<Transfer>> queued_;
  std::vector<std::unique_ptr<Transfer>> waiting_;  // retries, each with its due time
  std::map<CURL*, std::unique_ptr<Transfer>> running_;
  std::map<std::string, int> running_per_host_;  // result pages included
  int running_pages_ = 0;
  std::mt19937 random_;
};

}  // namespace smallset
