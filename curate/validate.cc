#include "curate/validate.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/interrupt.h"
#include "common/log.h"
#include "common/progress.h"
#include "curate/phash.h"

namespace smallset {
namespace {

struct PendingImage {
  int64_t id = 0;
  std::string path;  // relative to the content store
};

struct DecodeResult {
  int64_t id = 0;
  Status status;
  int width = 0;
  int height = 0;
  uint64_t phash = 0;
};

// Results travel from the workers to the writing thread through this queue.
class ResultQueue {
 public:
  void Push(DecodeResult result) {
    std::lock_guard<std::mutex> lock(mutex_);
    results_.push_back(std::move(result));
    ready_.notify_one();
  }

  // Moves out what is queued, waiting up to `wait` for at least one result.
  std::vector<DecodeResult> TakeAll(std::chrono::milliseconds wait) {
    std::unique_lock<std::mutex> lock(mutex_);
    ready_.wait_for(lock, wait, [this] { return !results_.empty(); });
    std::vector<DecodeResult> taken(std::make_move_iterator(results_.begin()), std::make_move_iterator(results_.end()));
    results_.clear();
    return taken;
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<DecodeResult> results_;
};

DecodeResult DecodeOne(const PendingImage& image, const ContentStore& store, const DecodeOptions& options) {
  DecodeResult result;
  result.id = image.id;
  std::string bytes;
  result.status = ReadFile(store.PathOf(image.path), &bytes);
  if (!result.status.ok()) {
    result.status = Status::IoError("stored file unreadable: " + result.status.message());
    return result;
  }
  DecodedImage decoded;
  result.status = DecodeImage(bytes, options, &decoded);
  if (!result.status.ok()) return result;
  result.width = decoded.original_width;
  result.height = decoded.original_height;
  result.phash = PerceptualHash(decoded.rgb);
  return result;
}

Status ReadPending(Manifest* manifest, std::vector<PendingImage>* pending) {
  Statement select = manifest->Prepare("SELECT id, path FROM images WHERE status = 'new' AND phash IS NULL ORDER BY id");
  while (select.Next()) pending->push_back(PendingImage{select.Int(0), select.Text(1)});
  return select.status();
}

Status WriteResults(Manifest* manifest, const std::vector<DecodeResult>& results) {
  const std::string now = NowUtcIso8601();
  return manifest->WriteTransaction([&] {
    Statement valid = manifest->Prepare("UPDATE images SET width = ?, height = ?, phash = ? WHERE id = ? AND status = 'new'");
    Statement defective = manifest->Prepare(
        "UPDATE images SET status = 'defective', reason = ?, split = NULL, curated_at = ? WHERE id = ? AND status = 'new'");
    for (const DecodeResult& result : results) {
      if (result.status.ok()) {
        valid.Bind(1, result.width).Bind(2, result.height).Bind(3, HashToColumn(result.phash)).Bind(4, result.id);
        SMALLSET_RETURN_IF_ERROR(valid.Run());
        valid.Reset();
      } else {
        defective.Bind(1, result.status.message()).Bind(2, now).Bind(3, result.id);
        SMALLSET_RETURN_IF_ERROR(defective.Run());
        defective.Reset();
        SMALLSET_LOG_DEBUG("image %lld is defective: %s", (long long)result.id, result.status.message().c_str());
      }
    }
    return Status::Ok();
  });
}

}  // namespace

Status ValidateNewImages(Manifest* manifest, const ContentStore& store, const DecodeOptions& options, int threads,
                         bool show_progress, ValidateStats* stats) {
  std::vector<PendingImage> pending;
  SMALLSET_RETURN_IF_ERROR(ReadPending(manifest, &pending));
  if (pending.empty()) return Status::Ok();
  SMALLSET_LOG_INFO("validating %zu new images on %d threads", pending.size(), threads);

  const DecodeOptions hash_options = HashDecodeOptions(options);
  std::atomic<size_t> next{0};
  ResultQueue queue;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (size_t i = next++; i < pending.size() && !InterruptRequested(); i = next++) {
        queue.Push(DecodeOne(pending[i], store, hash_options));
      }
    });
  }

  // Batches bound the number of transactions (each one fsyncs the WAL) and the work lost
  // to an interrupt.
  constexpr size_t kBatchSize = 256;
  std::optional<Progress> progress;
  if (show_progress) progress.emplace("validate", int64_t(pending.size()));
  std::vector<DecodeResult> batch;
  size_t received = 0;
  Status status;
  auto last_write = std::chrono::steady_clock::now();
  while (received < pending.size() && status.ok()) {
    std::vector<DecodeResult> arrived = queue.TakeAll(std::chrono::milliseconds(200));
    received += arrived.size();
    for (DecodeResult& result : arrived) {
      (result.status.ok() ? stats->decoded : stats->defective)++;
      batch.push_back(std::move(result));
    }
    const bool due = std::chrono::steady_clock::now() - last_write > std::chrono::seconds(1);
    if (!batch.empty() && (batch.size() >= kBatchSize || due || received == pending.size())) {
      status = WriteResults(manifest, batch);
      batch.clear();
      last_write = std::chrono::steady_clock::now();
    }
    if (progress) {
      progress->Update(int64_t(received), StringPrintf("valid %lld defective %lld", (long long)stats->decoded,
                                                       (long long)stats->defective));
    }
    if (InterruptRequested() && next >= pending.size()) break;
    if (InterruptRequested()) next = pending.size();  // workers stop after their current image
  }
  next = pending.size();  // after a write error, workers stop after their current image
  for (std::thread& worker : workers) worker.join();

  // Write what finished before an interrupt or an error stopped the loop.
  for (DecodeResult& result : queue.TakeAll(std::chrono::milliseconds(0))) {
    (result.status.ok() ? stats->decoded : stats->defective)++;
    batch.push_back(std::move(result));
  }
  if (status.ok() && !batch.empty()) status = WriteResults(manifest, batch);
  if (progress) progress->Finish();
  SMALLSET_RETURN_IF_ERROR(status);
  if (InterruptRequested()) return Status::Interrupted("interrupted while validating; rerun curate to continue");
  return Status::Ok();
}

}  // namespace smallset
