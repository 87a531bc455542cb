#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include <atomic>
#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/terminal.h"

namespace smallset {
namespace {

std::atomic<LogLevel> g_level{LogLevel::kInfo};
std::atomic<LogFormat> g_format{LogFormat::kText};

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarning: return "warning";
    case LogLevel::kError: return "error";
  }
  return "info";
}

const char* LevelColor(LogLevel level) {
  switch (level) {
    case LogLevel::kWarning: return "\033[33m";
    case LogLevel::kError: return "\033[31m";
    case LogLevel::kDebug: return "\033[2m";
    default: return "";
  }
}

std::string VStringPrintf(const char* format, va_list args) {
  va_list copy;
  va_copy(copy, args);
  int length = vsnprintf(nullptr, 0, format, copy);
  va_end(copy);
  if (length <= 0) return "";
  std::string text(static_cast<size_t>(length), '\0');
  vsnprintf(text.data(), text.size() + 1, format, args);
  return text;
}

std::string LocalClock() {
  time_t now = time(nullptr);
  struct tm local;
  localtime_r(&now, &local);
  char text[16];
  strftime(text, sizeof(text), "%H:%M:%S", &local);
  return text;
}

}  // namespace

void SetLogLevel(LogLevel level) { g_level = level; }
LogLevel GetLogLevel() { return g_level; }
void SetLogFormat(LogFormat format) { g_format = format; }
LogFormat GetLogFormat() { return g_format; }

std::string StringPrintf(const char* format, ...) {
  va_list args;
  va_start(args, format);
  std::string text = VStringPrintf(format, args);
  va_end(args);
  return text;
}

void Log(LogLevel level, const char* format, ...) {
  if (level < g_level.load()) return;
  va_list args;
  va_start(args, format);
  std::string message = VStringPrintf(format, args);
  va_end(args);

  std::string line;
  if (g_format.load() == LogFormat::kJson) {
    nlohmann::json object = {{"time", NowUtcIso8601()}, {"level", LevelName(level)}, {"message", message}};
    line = object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else if (ColorEnabled() && LevelColor(level)[0] != '\0') {
    line = LocalClock() + " " + LevelColor(level) + LevelName(level) + "\033[0m " + message;
  } else {
    line = LocalClock() + " " + LevelName(level) + " " + message;
  }

  std::lock_guard<std::mutex> lock(StderrMutex());
  ClearProgressLineLocked();
  fputs(line.c_str(), stderr);
  fputc('\n', stderr);
  fflush(stderr);
}

}  // namespace smallset
