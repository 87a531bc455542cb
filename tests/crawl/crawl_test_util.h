// Helpers for the tests that run the real crawl program against servers on 127.0.0.1.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tests/support/test_support.h"

namespace smallset::testing {

// One line of a server's request log (JSON lines with t, path, status, ua).
struct LoggedRequest {
  double time = 0;
  std::string path;
  std::string status;  // "200", "302", "200-short", "client-closed", ...
  std::string user_agent;
};

// A Python server started with /usr/bin/python3 SCRIPT --port 0 --log LOG [ARGS...], which
// prints "PORT=<n>" first. Killed on destruction.
class LoopbackServer {
 public:
  LoopbackServer(const std::string& script, const std::string& log_path, const std::vector<std::string>& args = {});

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<LoggedRequest> Requests() const;

 private:
  std::string log_path_;
  std::unique_ptr<BackgroundProcess> process_;
  int port_ = 0;
};

// Rows of `sql` run on the manifest, each column as text ("" for NULL).
std::vector<std::vector<std::string>> QueryManifest(const std::string& manifest, const std::string& sql);

// The single value of a one-row, one-column query.
std::string QueryValue(const std::string& manifest, const std::string& sql);

// Runs build/bin/crawl with `args` and a 60 s limit.
ProcessResult RunCrawlProgram(const std::vector<std::string>& args, double timeout_seconds = 60);

// Number of logged requests whose path is `path`.
int CountRequests(const std::vector<LoggedRequest>& requests, const std::string& path);

}  // namespace smallset::testing
