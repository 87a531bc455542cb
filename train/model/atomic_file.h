// Whole-file writes that readers never see half done.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace smallset {

// Writes `bytes` to a temporary file beside `path`, fsyncs it and renames it over `path`.
Status WriteFileAtomically(const std::string& path, std::string_view bytes);

}  // namespace smallset
