// Wall-clock time in the form the manifest stores.
#pragma once

#include <string>

namespace smallset {

// Returns the current UTC time as "2026-12-04T20:13:05Z".
std::string NowUtcIso8601();

}  // namespace smallset
