// Writes downloaded images into the content store on worker threads, so that the thread
// driving the transfers does not wait for ContentStore::Put's fsyncs. That thread collects
// the results with TakeFinished() and only then writes the manifest rows, so a row is
// written after its file was renamed into place.
//
// ContentStore::Put may run on several threads at once: each call writes its own
// temporary file and renames it atomically, so two Puts of the same bytes both succeed.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/content_store.h"
#include "common/status.h"

namespace smallset {

class StorePool {
 public:
  struct Result {
    uint64_t token = 0;
    Status status;
    StoredFile file;
  };

  // `finished` runs on a worker thread after each Put, to wake the collecting thread.
  StorePool(ContentStore* store, int threads, std::function<void()> finished);
  // Finishes the Puts already running and drops the queued ones.
  ~StorePool();
  StorePool(const StorePool&) = delete;
  StorePool& operator=(const StorePool&) = delete;

  void Submit(uint64_t token, std::string bytes);

  // Drops the queued Puts and waits for the running ones, whose results TakeFinished()
  // then returns. Used on interrupt, to record what finished before exiting.
  void DropQueuedAndWait();

  // Results of the Puts finished since the last call.
  std::vector<Result> TakeFinished();

  // Puts submitted and not yet taken by TakeFinished().
  size_t outstanding() const;

 private:
  void Work();

  ContentStore* store_;
  std::function<void()> finished_callback_;
  mutable std::mutex mutex_;
  std::condition_variable work_available_;
  std::condition_variable work_finished_;
  std::deque<std::pair<uint64_t, std::string>> queue_;
  std::vector<Result> finished_;
  size_t running_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace smallset
