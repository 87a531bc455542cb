// Parsing of crawl's option values that need more than CLI11's checks.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace smallset {

// Parses a byte count with an optional unit: "20MiB", "500KB", "1.5GiB", "1000000".
// Units: B, KB/MB/GB (powers of 1000), KiB/MiB/GiB and K/M/G (powers of 1024).
Status ParseByteSize(const std::string& text, int64_t* bytes);

// The default label of a query: lower case, runs of characters other than ASCII letters
// and digits become one '-', trimmed ("Actors with Glasses!" gives "actors-with-glasses").
// Non-ASCII UTF-8 bytes are kept. Never empty ("query" when nothing remains).
std::string LabelSlug(const std::string& query);

// Splits "cc0,by,by-sa" into licence codes and checks each against the known codes.
Status ParseLicenseList(const std::string& text, std::vector<std::string>* codes);

}  // namespace smallset
