// Options every smallset program shares, added to a CLI11 app in one call:
//
//   CommonOptions common;
//   AddCommonOptions(app, &common);
//   CLI11_PARSE(app, argc, argv);
//   ApplyCommonOptions(common);
#pragma once

#include <string>

namespace CLI {
class App;
}

namespace smallset {

struct CommonOptions {
  std::string manifest = "data.db";
  bool quiet = false;
  bool verbose = false;
  std::string log_format = "text";
};

// Whether a program reads a manifest and so takes --manifest.
enum class ManifestOption { kAdd, kOmit };

// Adds --manifest (unless kOmit), --quiet, --verbose, --log-format and --version.
void AddCommonOptions(CLI::App& app, CommonOptions* options, ManifestOption manifest = ManifestOption::kAdd);

// Sets the log level and format.
void ApplyCommonOptions(const CommonOptions& options);

// Parses the command line. Returns -1 to go on, or the exit code to return at once:
// kExitOk after --help or --version, kExitUsage after an invalid command line (the message is
// printed). CLI11's own exit codes (105, 106, ...) would not match the documented 2.
int ParseCommandLine(CLI::App& app, int argc, char** argv);

// "smallset 0.1.0".
std::string VersionString();

}  // namespace smallset
