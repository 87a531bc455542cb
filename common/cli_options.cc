#include "common/cli_options.h"

#include <CLI/CLI.hpp>

#include "common/exit_code.h"
#include "common/log.h"
#include "common/version.h"

namespace smallset {

std::string VersionString() { return std::string("smallset ") + SMALLSET_VERSION; }

void AddCommonOptions(CLI::App& app, CommonOptions* options, ManifestOption manifest) {
  if (manifest == ManifestOption::kAdd) {
    app.add_option("--manifest", options->manifest, "Manifest file (SQLite)")->capture_default_str();
  }
  app.add_flag("-q,--quiet", options->quiet, "Print warnings and errors only");
  app.add_flag("-v,--verbose", options->verbose, "Print debug messages too");
  app.add_option("--log-format", options->log_format, "Log line format on stderr")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  app.set_version_flag("--version", VersionString());
}

int ParseCommandLine(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error) == 0 ? kExitOk : kExitUsage;
  }
  return -1;
}

void ApplyCommonOptions(const CommonOptions& options) {
  if (options.verbose) {
    SetLogLevel(LogLevel::kDebug);
  } else if (options.quiet) {
    SetLogLevel(LogLevel::kWarning);
  } else {
    SetLogLevel(LogLevel::kInfo);
  }
  SetLogFormat(options.log_format == "json" ? LogFormat::kJson : LogFormat::kText);
}

}  // namespace smallset
