// SIGINT and SIGTERM handling for long runs: the first signal asks the main loop to stop
// starting new work, record what finished and exit with kExitInterrupted. A second signal
// while stopping ends the process at once (nothing is lost: writes are atomic).
#pragma once

namespace smallset {

void InstallInterruptHandlers();

// True once SIGINT or SIGTERM has arrived. Async-signal-safe to set, cheap to poll.
bool InterruptRequested();

// Sets the flag as a signal would (tests use it).
void RequestInterrupt();

}  // namespace smallset
