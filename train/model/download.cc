#include "train/model/download.h"

#include <curl/curl.h>
#include <unistd.h>

#include <cstdio>
#include <memory>

#include "common/interrupt.h"
#include "common/progress.h"
#include "common/version.h"

namespace smallset {

namespace {

// A connection that makes no progress for this long is abandoned.
constexpr long kConnectTimeoutSeconds = 30;
constexpr long kStallSeconds = 60;

struct Transfer {
  FILE* file = nullptr;       // DownloadToFile
  std::string* body = nullptr;  // DownloadToString
  Progress* progress = nullptr;
};

size_t WriteData(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  size_t bytes = size * count;
  if (transfer->file != nullptr) return std::fwrite(data, 1, bytes, transfer->file);
  transfer->body->append(data, bytes);
  return bytes;
}

int OnProgress(void* user, curl_off_t total, curl_off_t now, curl_off_t, curl_off_t) {
  auto* transfer = static_cast<Transfer*>(user);
  if (InterruptRequested()) return 1;  // aborts with CURLE_ABORTED_BY_CALLBACK
  if (transfer->progress != nullptr) {
    if (total > 0) transfer->progress->SetTotal(total);
    transfer->progress->Update(now, "bytes");
  }
  return 0;
}

Status Perform(const std::string& url, Transfer* transfer) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), &curl_easy_cleanup);
  if (!curl) return Status::Failed("cannot initialise libcurl");
  char error[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl.get(), CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(curl.get(), CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT, kConnectTimeoutSeconds);
  curl_easy_setopt(curl.get(), CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_LOW_SPEED_TIME, kStallSeconds);
  curl_easy_setopt(curl.get(), CURLOPT_USERAGENT, "smallset/" SMALLSET_VERSION);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, WriteData);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, transfer);
  curl_easy_setopt(curl.get(), CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl.get(), CURLOPT_XFERINFOFUNCTION, OnProgress);
  curl_easy_setopt(curl.get(), CURLOPT_XFERINFODATA, transfer);

  CURLcode code = curl_easy_perform(curl.get());
  if (code == CURLE_OK) return Status::Ok();
  if (code == CURLE_ABORTED_BY_CALLBACK) return Status::Interrupted("download of " + url + " interrupted");
  long http_status = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &http_status);
  std::string reason = error[0] != '\0' ? error : curl_easy_strerror(code);
  if (http_status == 404) return Status::NotFound("download of " + url + " failed: HTTP 404 not found");
  return Status::IoError("download of " + url + " failed: " + reason);
}

}  // namespace

Status DownloadToFile(const std::string& url, const std::string& path, const std::string& title) {
  FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) return Status::IoError("cannot create " + path);
  Progress progress(title, 0);
  Transfer transfer;
  transfer.file = file;
  transfer.progress = &progress;
  Status status = Perform(url, &transfer);
  progress.Finish();
  // The caller renames the file into the cache, so it must be on disk first.
  bool flushed = std::fflush(file) == 0 && fsync(fileno(file)) == 0;
  if ((std::fclose(file) != 0 || !flushed) && status.ok()) status = Status::IoError("cannot write " + path);
  return status;
}

Status DownloadToString(const std::string& url, std::string* body) {
  body->clear();
  Transfer transfer;
  transfer.body = body;
  return Perform(url, &transfer);
}

}  // namespace smallset
