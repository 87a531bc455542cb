// Process exit codes shared by every smallset program.
#pragma once

namespace smallset {

enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,       // the run failed (an engine error, a failed query, a write error); single
                          // items skipped with a recorded reason do not count as failure
  kExitUsage = 2,         // invalid command line
  kExitInterrupted = 130, // stopped by SIGINT or SIGTERM after recording what finished
};

}  // namespace smallset
