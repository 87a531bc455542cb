#include "crawler/store_pool.h"

namespace smallset {

StorePool::StorePool(ContentStore* store, int threads, std::function<void()> finished)
    : store_(store), finished_callback_(std::move(finished)) {
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Work(); });
}

StorePool::~StorePool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    queue_.clear();
  }
  work_available_.notify_all();
  for (std::thread& thread : threads_) thread.join();
}

void StorePool::Submit(uint64_t token, std::string bytes) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.emplace_back(token, std::move(bytes));
  }
  work_available_.notify_one();
}

void StorePool::DropQueuedAndWait() {
  std::unique_lock<std::mutex> lock(mutex_);
  queue_.clear();
  work_finished_.wait(lock, [this] { return running_ == 0; });
}

std::vector<StorePool::Result> StorePool::TakeFinished() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<Result> taken;
  taken.swap(finished_);
  return taken;
}

size_t StorePool::outstanding() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return queue_.size() + running_ + finished_.size();
}

void StorePool::Work() {
  while (true) {
    std::pair<uint64_t, std::string> job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      work_available_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
      ++running_;
    }

    Result result;
    result.token = job.first;
    result.status = store_->Put(job.second, &result.file);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      --running_;
      finished_.push_back(std::move(result));
    }
    work_finished_.notify_all();
    finished_callback_();
  }
}

}  // namespace smallset
