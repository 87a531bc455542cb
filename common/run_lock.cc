#include "common/run_lock.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

namespace smallset {

Status RunLock::TryAcquire(const std::string& path, std::unique_ptr<RunLock>* out) {
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return Status::IoError("cannot open lock file " + path + ": " + strerror(errno));
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int error = errno;
    close(fd);
    if (error == EWOULDBLOCK) {
      return Status::Busy("another run holds the lock " + path + "; wait for it to finish");
    }
    return Status::IoError("cannot lock " + path + ": " + strerror(error));
  }

  // Record the holder's pid for people who look at the file; the lock itself is flock.
  std::string pid = std::to_string(getpid()) + "\n";
  if (ftruncate(fd, 0) == 0) {
    ssize_t written = write(fd, pid.data(), pid.size());
    (void)written;
  }
  out->reset(new RunLock(fd, path));
  return Status::Ok();
}

RunLock::~RunLock() {
  flock(fd_, LOCK_UN);
  close(fd_);
}

}  // namespace smallset
