// What the standard error stream is connected to, decided once per process.
#pragma once

#include <mutex>

namespace smallset {

// True when stderr is a terminal: progress bars are drawn in place only then.
bool StderrIsTerminal();

// True when colour may be used: stderr is a terminal and NO_COLOR is unset or empty.
bool ColorEnabled();

// Lock held while anything writes to stderr, so that log lines and the progress bar
// never interleave within a line.
std::mutex& StderrMutex();

// Erases a progress bar line that is currently drawn. Call with StderrMutex() held.
void ClearProgressLineLocked();

// Records that a progress bar line is now drawn (or no longer drawn).
void SetProgressLineDrawnLocked(bool drawn);

}  // namespace smallset
