#include "train/model/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace smallset {

Status WriteFileAtomically(const std::string& path, std::string_view bytes) {
  std::string temp_path = path + ".tmp" + std::to_string(getpid());
  int fd = open(temp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IoError("cannot create " + temp_path + ": " + std::strerror(errno));

  size_t written = 0;
  while (written < bytes.size()) {
    ssize_t n = write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status error = Status::IoError("cannot write " + temp_path + ": " + std::strerror(errno));
      close(fd);
      unlink(temp_path.c_str());
      return error;
    }
    written += static_cast<size_t>(n);
  }
  if (fsync(fd) != 0 || close(fd) != 0) {
    Status error = Status::IoError("cannot write " + temp_path + ": " + std::strerror(errno));
    unlink(temp_path.c_str());
    return error;
  }
  if (std::rename(temp_path.c_str(), path.c_str()) != 0) {
    Status error = Status::IoError("cannot rename " + temp_path + " to " + path + ": " + std::strerror(errno));
    unlink(temp_path.c_str());
    return error;
  }
  return Status::Ok();
}

}  // namespace smallset
