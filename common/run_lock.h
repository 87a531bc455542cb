// An exclusive lock on a file, held for the life of the object, so that two scheduled
// refreshes never run at once. Uses flock(2): the kernel releases it when the process
// dies, so a killed run never leaves a stale lock behind.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"

namespace smallset {

class RunLock {
 public:
  // Takes the lock without waiting. Returns kBusy, naming the file, when another
  // process holds it.
  static Status TryAcquire(const std::string& path, std::unique_ptr<RunLock>* out);
  ~RunLock();

 private:
  RunLock(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
};

}  // namespace smallset
