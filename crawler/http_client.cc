#include "crawler/http_client.h"

#include <sys/socket.h>

#include <algorithm>
#include <cmath>

#include "common/interrupt.h"
#include "common/log.h"
#include "crawler/address_policy.h"
#include "crawler/url.h"

namespace smallset {

using Clock = std::chrono::steady_clock;

struct HttpClient::Transfer {
  HttpRequest request;
  HttpCallback done;
  std::string host;
  int attempts = 0;
  Clock::time_point due;  // when a waiting retry may start

  // State of the current attempt.
  CURL* easy = nullptr;
  std::string body;
  bool too_large = false;
  std::string refused_address;
  int64_t max_bytes = 0;
  bool allow_private = true;
};

namespace {

// Global libcurl set-up, once per process, before any other thread may call libcurl.
void InitCurlOnce() {
  static const bool kInitialised = [] { return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; }();
  (void)kInitialised;
}

size_t WriteBody(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<HttpClient::Transfer*>(user);
  size_t bytes = size * count;
  if (static_cast<int64_t>(transfer->body.size() + bytes) > transfer->max_bytes) {
    transfer->too_large = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  transfer->body.append(data, bytes);
  return bytes;
}

// Checks each address libcurl is about to connect to, for the first URL and for every
// redirect, before any byte is sent.
curl_socket_t OpenSocket(void* user, curlsocktype, curl_sockaddr* address) {
  auto* transfer = static_cast<HttpClient::Transfer*>(user);
  if (!transfer->allow_private && IsPrivateAddress(&address->addr)) {
    transfer->refused_address = AddressText(&address->addr);
    return CURL_SOCKET_BAD;
  }
  return socket(address->family, address->socktype, address->protocol);
}

bool IsRetryableCode(CURLcode code) {
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
  }
}


// The reason recorded in the manifest for a transfer that ended with `code`.
std::string ErrorText(CURLcode code, const HttpClient::Transfer& transfer, bool* is_skip) {
  *is_skip = false;
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT: return "timeout";
    case CURLE_TOO_MANY_REDIRECTS: return "too many redirects";
    case CURLE_PARTIAL_FILE: return "partial transfer";
    case CURLE_COULDNT_RESOLVE_HOST: return "host not found";
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING: return "connection reset";
    case CURLE_FILESIZE_EXCEEDED:
      *is_skip = true;
      return "too large";
    case CURLE_UNSUPPORTED_PROTOCOL:
      *is_skip = true;
      return "unsupported protocol (only http and https are fetched)";
    default: break;
  }
  if (code == CURLE_WRITE_ERROR && transfer.too_large) {
    *is_skip = true;
    return "too large";
  }
  if (!transfer.refused_address.empty()) {
    *is_skip = true;
    return "private address " + transfer.refused_address + " refused";
  }
  if (code == CURLE_COULDNT_CONNECT) return "connection failed";
  return curl_easy_strerror(code);
}

}  // namespace

bool IsRetryableHttpStatus(long status) {
  return status == 408 || status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

HttpClient::HttpClient(const HttpOptions& options) : options_(options), random_(std::random_device{}()) {
  InitCurlOnce();
  multi_ = curl_multi_init();
  curl_multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS, static_cast<long>(options_.per_host + 1));
  curl_multi_setopt(multi_, CURLMOPT_MAX_TOTAL_CONNECTIONS, static_cast<long>(options_.jobs + 1));
  curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, static_cast<long>(std::max(options_.jobs * 2, 32)));
}

HttpClient::~HttpClient() {
  for (auto& entry : running_) {
    curl_multi_remove_handle(multi_, entry.first);
    curl_easy_cleanup(entry.first);
  }
  curl_multi_cleanup(multi_);
}

void HttpClient::Submit(HttpRequest request, HttpCallback done) {
  auto transfer = std::make_unique<Transfer>();
  transfer->host = UrlHost(request.url);
  transfer->request = std::move(request);
  transfer->done = std::move(done);
  (transfer->request.is_page ? queued_pages_ : queued_).push_back(std::move(transfer));
}

void HttpClient::Start(std::unique_ptr<Transfer> transfer) {
  CURL* easy = curl_easy_init();
  Transfer* t = transfer.get();
  t->easy = easy;
  t->body.clear();
  t->too_large = false;
  t->refused_address.clear();
  t->max_bytes = options_.max_bytes;
  t->allow_private = options_.allow_private || t->request.is_page;
  ++t->attempts;

  curl_easy_setopt(easy, CURLOPT_URL, t->request.url.c_str());
  curl_easy_setopt(easy, CURLOPT_PRIVATE, t);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, t);
  curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, OpenSocket);
  curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, t);
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(easy, CURLOPT_MAXREDIRS, static_cast<long>(options_.max_redirects));
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout_seconds * 1000));
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout_seconds * 1000));
  curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, 1024L);
  curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME, 15L);
  curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options_.max_bytes));
  curl_easy_setopt(easy, CURLOPT_USERAGENT, options_.user_agent.c_str());
  if (t->request.is_page) curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");
  // Image downloads would reuse a page's kept-alive connection without a new address
  // check, so page connections are not kept when private addresses are refused.
  if (t->request.is_page && !options_.allow_private) curl_easy_setopt(easy, CURLOPT_FORBID_REUSE, 1L);

  ++running_per_host_[t->host];
  if (t->request.is_page) ++running_pages_;
  running_[easy] = std::move(transfer);
  curl_multi_add_handle(multi_, easy);
}

void HttpClient::StartTransfers() {
  // Result pages go first and take no download slot: paging must not wait behind a full
  // round of downloads, and the crawl loop keeps at most one page in flight.
  while (!queued_pages_.empty()) {
    Start(std::move(queued_pages_.front()));
    queued_pages_.pop_front();
  }

  // Scans a bounded prefix of the queue so that a long queue behind one busy host does
  // not make every pass quadratic.
  constexpr size_t kScanLimit = 512;
  size_t scanned = 0;
  for (auto it = queued_.begin(); it != queued_.end() && scanned < kScanLimit;) {
    if (static_cast<int>(running_.size()) - running_pages_ >= options_.jobs) return;
    ++scanned;
    if (running_per_host_[(*it)->host] >= options_.per_host) {
      ++it;
      continue;
    }
    std::unique_ptr<Transfer> transfer = std::move(*it);
    it = queued_.erase(it);
    Start(std::move(transfer));
  }
}

bool HttpClient::ScheduleRetry(std::unique_ptr<Transfer>& transfer, const HttpResponse& response) {
  if (transfer->attempts > options_.max_retries) return false;

  curl_off_t retry_after = 0;
  curl_easy_getinfo(transfer->easy, CURLINFO_RETRY_AFTER, &retry_after);
  double delay;
  if (retry_after > 0) {
    delay = std::min<double>(static_cast<double>(retry_after), options_.max_retry_after_seconds);
  } else {
    std::uniform_real_distribution<double> jitter(0.5, 1.0);
    delay = options_.retry_base_seconds * std::pow(2.0, transfer->attempts - 1) * jitter(random_);
  }
  SMALLSET_LOG_INFO("retrying %s in %.1f s after %s (attempt %d of %d)", transfer->request.url.c_str(), delay,
                    response.error.c_str(), transfer->attempts + 1, options_.max_retries + 1);
  transfer->easy = nullptr;
  transfer->due = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(delay));
  waiting_.push_back(std::move(transfer));
  return true;
}

void HttpClient::Finish(CURL* easy, CURLcode code) {
  curl_multi_remove_handle(multi_, easy);
  auto node = running_.find(easy);
  std::unique_ptr<Transfer> transfer = std::move(node->second);
  running_.erase(node);
  --running_per_host_[transfer->host];
  if (transfer->request.is_page) --running_pages_;

  HttpResponse response;
  response.url = transfer->request.url;
  response.attempts = transfer->attempts;
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &response.http_status);
  char* text = nullptr;
  if (curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &text) == CURLE_OK && text) response.final_url = text;
  text = nullptr;
  if (curl_easy_getinfo(easy, CURLINFO_CONTENT_TYPE, &text) == CURLE_OK && text) response.content_type = text;

  bool retryable;
  if (code != CURLE_OK) {
    response.error = ErrorText(code, *transfer, &response.error_is_skip);
    retryable = IsRetryableCode(code) && transfer->refused_address.empty();
  } else if (response.http_status < 200 || response.http_status > 299) {
    response.error = "HTTP " + std::to_string(response.http_status);
    retryable = IsRetryableHttpStatus(response.http_status);
  } else {
    retryable = false;
  }

  if (retryable && ScheduleRetry(transfer, response)) {
    curl_easy_cleanup(easy);  // `transfer` moved to waiting_
    return;
  }
  curl_easy_cleanup(easy);
  transfer->easy = nullptr;
  response.body = std::move(transfer->body);
  transfer->done(std::move(response));
}

void HttpClient::ReleaseDueRetries() {
  Clock::time_point now = Clock::now();
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    if ((*it)->due <= now) {
      ((*it)->request.is_page ? queued_pages_ : queued_).push_front(std::move(*it));
      it = waiting_.erase(it);
    } else {
      ++it;
    }
  }
}

long HttpClient::PollTimeoutMilliseconds() const {
  long timeout = 100;  // also bounds how late an interrupt is noticed
  Clock::time_point now = Clock::now();
  for (const auto& transfer : waiting_) {
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(transfer->due - now).count();
    timeout = std::min<long>(timeout, std::max<long>(0, static_cast<long>(wait)));
  }
  return timeout;
}

Status HttpClient::RunOnce() {
  if (InterruptRequested()) return Status::Interrupted("interrupted");
  ReleaseDueRetries();
  StartTransfers();

  int still_running = 0;
  curl_multi_perform(multi_, &still_running);

  // Finish first, then call back, so callbacks never see a half-updated client.
  int left = 0;
  std::vector<std::pair<CURL*, CURLcode>> done;
  while (CURLMsg* message = curl_multi_info_read(multi_, &left)) {
    if (message->msg == CURLMSG_DONE) done.emplace_back(message->easy_handle, message->data.result);
  }
  for (const auto& [easy, code] : done) Finish(easy, code);
  if (!done.empty()) return Status::Ok();

  int ready = 0;
  curl_multi_poll(multi_, nullptr, 0, static_cast<int>(PollTimeoutMilliseconds()), &ready);
  return Status::Ok();
}

Status HttpClient::Run() {
  while (outstanding() > 0) SMALLSET_RETURN_IF_ERROR(RunOnce());
  return Status::Ok();
}

void HttpClient::Wakeup() { curl_multi_wakeup(multi_); }

}  // namespace smallset
