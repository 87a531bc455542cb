#include "tests/crawl/crawl_test_util.h"

#include <sqlite3.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <stdexcept>

namespace smallset::testing {

LoopbackServer::LoopbackServer(const std::string& script, const std::string& log_path,
                               const std::vector<std::string>& args)
    : log_path_(log_path) {
  std::vector<std::string> argv = {SystemPython(), script, "--port", "0", "--log", log_path};
  argv.insert(argv.end(), args.begin(), args.end());
  process_ = std::make_unique<BackgroundProcess>(argv);
  std::string port = process_->WaitForLine("PORT=");
  if (port.empty()) throw std::runtime_error("server " + script + " did not print PORT=");
  port_ = std::stoi(port);
}

std::vector<LoggedRequest> LoopbackServer::Requests() const {
  std::vector<LoggedRequest> requests;
  std::ifstream log(log_path_);
  std::string line;
  while (std::getline(log, line)) {
    nlohmann::json entry = nlohmann::json::parse(line, nullptr, false);
    if (!entry.is_object()) continue;
    LoggedRequest request;
    request.time = entry.value("t", 0.0);
    request.path = entry.value("path", "");
    request.status = entry["status"].is_string() ? entry["status"].get<std::string>() : entry["status"].dump();
    request.user_agent = entry["ua"].is_string() ? entry["ua"].get<std::string>() : "";
    requests.push_back(std::move(request));
  }
  return requests;
}

std::vector<std::vector<std::string>> QueryManifest(const std::string& manifest, const std::string& sql) {
  sqlite3* db = nullptr;
  std::vector<std::vector<std::string>> rows;
  if (sqlite3_open_v2(manifest.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    throw std::runtime_error("cannot open " + manifest);
  }
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
    std::string error = sqlite3_errmsg(db);
    sqlite3_close(db);
    throw std::runtime_error(sql + ": " + error);
  }
  while (sqlite3_step(statement) == SQLITE_ROW) {
    std::vector<std::string> row;
    for (int i = 0; i < sqlite3_column_count(statement); ++i) {
      const unsigned char* text = sqlite3_column_text(statement, i);
      row.push_back(text ? reinterpret_cast<const char*>(text) : "");
    }
    rows.push_back(std::move(row));
  }
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return rows;
}

std::string QueryValue(const std::string& manifest, const std::string& sql) {
  auto rows = QueryManifest(manifest, sql);
  return rows.empty() || rows[0].empty() ? "" : rows[0][0];
}

ProcessResult RunCrawlProgram(const std::vector<std::string>& args, double timeout_seconds) {
  std::vector<std::string> argv = {BinPath("crawl")};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProcess(argv, timeout_seconds);
}

int CountRequests(const std::vector<LoggedRequest>& requests, const std::string& path) {
  int count = 0;
  for (const LoggedRequest& request : requests) count += request.path == path;
  return count;
}

}  // namespace smallset::testing
