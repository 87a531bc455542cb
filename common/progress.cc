#include "common/progress.h"

#include <stdio.h>

#include <mutex>

#include "common/log.h"
#include "common/terminal.h"

namespace smallset {
namespace {

constexpr int kBarWidth = 24;
constexpr auto kTerminalInterval = std::chrono::milliseconds(100);
constexpr auto kPlainInterval = std::chrono::seconds(10);

std::string FormatDuration(double seconds) {
  if (seconds < 0 || seconds > 360000) return "?";
  int whole = static_cast<int>(seconds + 0.5);
  if (whole < 60) return StringPrintf("%ds", whole);
  if (whole < 3600) return StringPrintf("%dm%02ds", whole / 60, whole % 60);
  return StringPrintf("%dh%02dm", whole / 3600, (whole % 3600) / 60);
}

}  // namespace

Progress::Progress(std::string title, int64_t total)
    : title_(std::move(title)), total_(total), start_(std::chrono::steady_clock::now()), last_draw_() {}

Progress::~Progress() { Finish(); }

void Progress::SetTotal(int64_t total) { total_ = total; }

void Progress::Update(int64_t done, const std::string& detail) {
  done_ = done;
  detail_ = detail;
  if (GetLogLevel() > LogLevel::kInfo) return;  // --quiet: warnings and errors only
  auto now = std::chrono::steady_clock::now();
  auto interval = StderrIsTerminal() ? std::chrono::duration_cast<std::chrono::steady_clock::duration>(kTerminalInterval)
                                     : std::chrono::duration_cast<std::chrono::steady_clock::duration>(kPlainInterval);
  if (now - last_draw_ < interval) return;
  last_draw_ = now;
  Draw(false);
}

void Progress::Finish() {
  if (finished_) return;
  finished_ = true;
  if (GetLogLevel() > LogLevel::kInfo) return;
  Draw(true);
}

void Progress::Draw(bool final_line) {
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double rate = elapsed > 0 ? done_ / elapsed : 0;

  std::string line = title_ + " ";
  if (total_ > 0) {
    double fraction = std::min(1.0, static_cast<double>(done_) / total_);
    if (StderrIsTerminal()) {
      int filled = static_cast<int>(fraction * kBarWidth);
      line += "[" + std::string(filled, '#') + std::string(kBarWidth - filled, '-') + "] ";
    }
    line += StringPrintf("%3d%%  %lld/%lld", static_cast<int>(fraction * 100), static_cast<long long>(done_),
                         static_cast<long long>(total_));
  } else {
    line += StringPrintf("%lld", static_cast<long long>(done_));
  }
  if (!detail_.empty()) line += "  " + detail_;
  line += StringPrintf("  %.1f/s", rate);
  if (final_line) {
    line += "  in " + FormatDuration(elapsed);
  } else if (total_ > 0 && rate > 0 && done_ < total_) {
    line += "  ETA " + FormatDuration((total_ - done_) / rate);
  }

  std::lock_guard<std::mutex> lock(StderrMutex());
  if (StderrIsTerminal()) {
    ClearProgressLineLocked();
    fputs(line.c_str(), stderr);
    if (final_line) {
      fputc('\n', stderr);
      SetProgressLineDrawnLocked(false);
    } else {
      SetProgressLineDrawnLocked(true);
    }
  } else {
    fputs(line.c_str(), stderr);
    fputc('\n', stderr);
  }
  fflush(stderr);
}

}  // namespace smallset
