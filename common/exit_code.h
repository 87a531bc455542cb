// Process exit codes shared by every smallset program.
#pragma once

namespace smallset {

enum ExitCode : int {
  kExitOk = 0,
  // The run failed (an engine error, a failed query, a write error). Items that crawl or curate
  // skip with a recorded reason do not count, but predict returns it when any input was unreadable.
  kExitFailure = 1,
  kExitUsage = 2,         // invalid command line
  kExitInterrupted = 130, // stopped by SIGINT or SIGTERM after recording what finished
};

}  // namespace smallset
