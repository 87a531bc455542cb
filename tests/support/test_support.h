// Helpers for unit and integration tests: temporary folders, running the real programs,
// background servers on 127.0.0.1, and locating the shared test data.
#pragma once

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace smallset::testing {

// A fresh folder under $TMPDIR (or /tmp), removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct ProcessResult {
  int exit_code = -1;  // 128 + signal number when killed by a signal
  bool timed_out = false;
  std::string out;  // standard output
  std::string err;  // standard error
};

// Runs a program to completion with stdin closed, capturing both output streams.
// `env` entries are added to (or replace) the current environment. Kills it with SIGKILL
// after `timeout_seconds`.
ProcessResult RunProcess(const std::vector<std::string>& argv, double timeout_seconds = 120,
                         const std::map<std::string, std::string>& env = {},
                         const std::string& working_directory = "");

// Path of a built program: BinPath("crawl") is build/bin/crawl.
std::string BinPath(const std::string& program);

// Root of the source tree.
std::string SourceDir();

// The shared test data folder (../shared beside the checkout, or $SMALLSET_SHARED_DIR),
// or nullopt when it is absent.
std::optional<std::string> SharedDir();

// /usr/bin/python3, the interpreter that has Debian's torch and torchvision.
std::string SystemPython();

// A process started in the background and killed (SIGKILL) on destruction.
class BackgroundProcess {
 public:
  BackgroundProcess(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env = {});
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  // Reads stdout until a line starts with `prefix` and returns the rest of that line,
  // or "" after `timeout_seconds`. Used to learn a server's port ("PORT=").
  std::string WaitForLine(const std::string& prefix, double timeout_seconds = 20);

  pid_t pid() const { return pid_; }

  // Sends `signal_number` and waits for the exit; returns the exit code as RunProcess does.
  int Stop(int signal_number);

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string buffered_;
};

std::string ReadTextFile(const std::string& path);
void WriteTextFile(const std::string& path, const std::string& text);
bool FileExists(const std::string& path);

}  // namespace smallset::testing

// Ends the current test early with a clear message when ../shared is absent.
#define SMALLSET_REQUIRE_SHARED(variable)                                                      \
  auto variable##_optional = ::smallset::testing::SharedDir();                                \
  if (!variable##_optional) {                                                                  \
    MESSAGE("skipped: shared test data not found; put it at ../shared beside the checkout " \
            "or set SMALLSET_SHARED_DIR");                                                     \
    return;                                                                                    \
  }                                                                                            \
  const std::string variable = *variable##_optional
