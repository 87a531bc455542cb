#include "common/content_store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <vector>

#include "common/log.h"
#include "common/sha256.h"

namespace smallset {
namespace {

constexpr char kTempPrefix[] = ".tmp-";

// A temporary file older than this is removed even when its pid is alive, because the
// pid may have been reused by an unrelated process.
constexpr time_t kStaleTempSeconds = 3600;

std::string ErrnoText() { return strerror(errno); }

// Creates `path` and its parents, like mkdir -p.
Status MakeDirectories(const std::string& path) {
  std::string partial;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    partial = path.substr(0, slash);
    start = slash + 1;
    if (partial.empty()) continue;
    if (mkdir(partial.c_str(), 0755) != 0 && errno != EEXIST) {
      return Status::IoError("cannot create folder " + partial + ": " + ErrnoText());
    }
  }
  struct stat info;
  if (stat(path.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
    return Status::IoError(path + " exists but is not a folder");
  }
  return Status::Ok();
}

Status WriteAll(int fd, std::string_view bytes, const std::string& path) {
  const char* data = bytes.data();
  size_t left = bytes.size();
  while (left > 0) {
    ssize_t written = write(fd, data, left);
    if (written < 0) {
      if (errno == EINTR) continue;
      return Status::IoError("cannot write " + path + ": " + ErrnoText());
    }
    data += written;
    left -= static_cast<size_t>(written);
  }
  return Status::Ok();
}

Status SyncDirectory(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::IoError("cannot open folder " + path + ": " + ErrnoText());
  int rc = fsync(fd);
  close(fd);
  if (rc != 0) return Status::IoError("cannot sync folder " + path + ": " + ErrnoText());
  return Status::Ok();
}

// Temporary names carry the writer's pid so that a later Open() can tell files of a
// running writer (left alone) from those of a killed one (removed).
std::string TempName() {
  static std::atomic<unsigned> counter{0};
  return std::string(kTempPrefix) + std::to_string(getpid()) + "-" + std::to_string(counter++) + "-" +
         std::to_string(static_cast<unsigned>(random()));
}

bool TempFileIsStale(const std::string& path, const char* name) {
  long pid = strtol(name + sizeof(kTempPrefix) - 1, nullptr, 10);
  bool writer_gone = pid <= 0 || (kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH);
  if (writer_gone || pid == getpid()) return true;
  struct stat info;
  return stat(path.c_str(), &info) == 0 && time(nullptr) - info.st_mtime > kStaleTempSeconds;
}

}  // namespace

Status ReadFile(const std::string& path, std::string* bytes) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IoError("cannot open " + path + ": " + ErrnoText());
  bytes->clear();
  struct stat info;
  if (fstat(fd, &info) == 0 && info.st_size > 0) bytes->reserve(static_cast<size_t>(info.st_size));
  char buffer[1 << 16];
  while (true) {
    ssize_t got = read(fd, buffer, sizeof(buffer));
    if (got < 0) {
      if (errno == EINTR) continue;
      Status error = Status::IoError("cannot read " + path + ": " + ErrnoText());
      close(fd);
      return error;
    }
    if (got == 0) break;
    bytes->append(buffer, static_cast<size_t>(got));
  }
  close(fd);
  return Status::Ok();
}

Status ContentStore::Open(const std::string& root, std::unique_ptr<ContentStore>* out) {
  Status status = MakeDirectories(root);
  if (!status.ok()) {
    return Status::IoError("content store folder " + root + " is not usable (" + status.message() +
                           "); make it writable or choose another with --store");
  }

  // Probe: a folder can exist and still refuse new files (read-only mount, permissions).
  std::string probe = root + "/" + TempName();
  int fd = open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    return Status::IoError("content store folder " + root + " is not writable (" + ErrnoText() +
                           "); make it writable or choose another with --store");
  }
  close(fd);
  unlink(probe.c_str());

  std::unique_ptr<ContentStore> store(new ContentStore(root));
  SMALLSET_RETURN_IF_ERROR(store->RemoveStaleTempFiles());
  *out = std::move(store);
  return Status::Ok();
}

Status ContentStore::RemoveStaleTempFiles() {
  // Temporary files live in the root and in the 256 two-hex-digit subfolders.
  std::vector<std::string> folders = {root_};
  DIR* dir = opendir(root_.c_str());
  if (dir == nullptr) return Status::IoError("cannot list " + root_ + ": " + ErrnoText());
  while (struct dirent* entry = readdir(dir)) {
    if (strlen(entry->d_name) == 2 && entry->d_name[0] != '.') folders.push_back(root_ + "/" + entry->d_name);
  }
  closedir(dir);

  for (const std::string& folder : folders) {
    DIR* sub = opendir(folder.c_str());
    if (sub == nullptr) continue;
    while (struct dirent* entry = readdir(sub)) {
      if (strncmp(entry->d_name, kTempPrefix, sizeof(kTempPrefix) - 1) != 0) continue;
      std::string path = folder + "/" + entry->d_name;
      if (TempFileIsStale(path, entry->d_name) && unlink(path.c_str()) == 0) {
        ++removed_temp_files_;
        SMALLSET_LOG_DEBUG("removed leftover temporary file %s", path.c_str());
      }
    }
    closedir(sub);
  }
  return Status::Ok();
}

std::string ContentStore::PathOf(const std::string& relative_path) const { return root_ + "/" + relative_path; }

Status ContentStore::Read(const std::string& relative_path, std::string* bytes) const {
  return ReadFile(PathOf(relative_path), bytes);
}

Status ContentStore::Put(std::string_view bytes, StoredFile* out) {
  SniffedFormat format = SniffFormat(bytes);
  if (!IsSupportedRaster(format)) {
    return Status::InvalidArgument("cannot store " + std::string(FormatName(format)) + " bytes: " + SkipReasonFor(format));
  }

  out->sha256 = Sha256Hex(bytes);
  out->format = format;
  out->bytes = static_cast<int64_t>(bytes.size());
  std::string folder_name = out->sha256.substr(0, 2);
  out->relative_path = folder_name + "/" + out->sha256 + "." + FormatExtension(format);
  std::string folder = root_ + "/" + folder_name;
  std::string final_path = root_ + "/" + out->relative_path;

  // Only complete files ever appear under the final name, so a file of the right size
  // is the same content, written earlier (perhaps by a run that died before its row).
  struct stat info;
  if (stat(final_path.c_str(), &info) == 0 && info.st_size == out->bytes) {
    out->already_present = true;
    return Status::Ok();
  }
  out->already_present = false;

  if (mkdir(folder.c_str(), 0755) != 0 && errno != EEXIST) {
    return Status::IoError("cannot create folder " + folder + ": " + ErrnoText() +
                           "; make the content store writable or choose another with --store");
  }
  std::string temp_path = folder + "/" + TempName();
  int fd = open(temp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    return Status::IoError("cannot create a file in " + folder + ": " + ErrnoText() +
                           "; make the content store writable or choose another with --store");
  }
  Status status = WriteAll(fd, bytes, temp_path);
  if (status.ok() && fsync(fd) != 0) status = Status::IoError("cannot sync " + temp_path + ": " + ErrnoText());
  close(fd);
  if (status.ok() && rename(temp_path.c_str(), final_path.c_str()) != 0) {
    status = Status::IoError("cannot rename " + temp_path + " to " + final_path + ": " + ErrnoText());
  }
  if (!status.ok()) {
    unlink(temp_path.c_str());
    return status;
  }
  return SyncDirectory(folder);
}

}  // namespace smallset
