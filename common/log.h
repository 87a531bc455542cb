// Logging to stderr with levels, as text lines or JSON lines.
//
//   SMALLSET_LOG_INFO("fetching page %d of \"%s\"", page, query.c_str());
//
// Text lines look like "12:00:01 info  fetching page 2 of ...". With LogFormat::kJson each
// line is one object: {"time":"2026-12-04T12:00:01Z","level":"info","message":"..."}.
// Thread-safe: whole lines are written under one lock, and the progress bar is cleared
// first so that log lines and the bar do not mix.
#pragma once

#include <string>

namespace smallset {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };
enum class LogFormat { kText, kJson };

void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();
void SetLogFormat(LogFormat format);
LogFormat GetLogFormat();

// Writes one line when `level` is at or above the current level.
void Log(LogLevel level, const char* format, ...) __attribute__((format(printf, 2, 3)));

// printf into a std::string.
std::string StringPrintf(const char* format, ...) __attribute__((format(printf, 1, 2)));

}  // namespace smallset

#define SMALLSET_LOG_DEBUG(...) ::smallset::Log(::smallset::LogLevel::kDebug, __VA_ARGS__)
#define SMALLSET_LOG_INFO(...) ::smallset::Log(::smallset::LogLevel::kInfo, __VA_ARGS__)
#define SMALLSET_LOG_WARN(...) ::smallset::Log(::smallset::LogLevel::kWarning, __VA_ARGS__)
#define SMALLSET_LOG_ERROR(...) ::smallset::Log(::smallset::LogLevel::kError, __VA_ARGS__)
