#include "common/terminal.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

namespace smallset {
namespace {

bool g_progress_line_drawn = false;

}  // namespace

bool StderrIsTerminal() {
  static const bool is_terminal = isatty(STDERR_FILENO) == 1;
  return is_terminal;
}

bool ColorEnabled() {
  static const bool enabled = [] {
    const char* no_color = getenv("NO_COLOR");
    return StderrIsTerminal() && (no_color == nullptr || no_color[0] == '\0');
  }();
  return enabled;
}

std::mutex& StderrMutex() {
  static std::mutex mutex;
  return mutex;
}

void ClearProgressLineLocked() {
  if (g_progress_line_drawn) {
    fputs("\r\033[K", stderr);
    g_progress_line_drawn = false;
  }
}

void SetProgressLineDrawnLocked(bool drawn) { g_progress_line_drawn = drawn; }

}  // namespace smallset
