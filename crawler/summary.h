// The end-of-run report of a crawl, as text for people and as one JSON object (--json).
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "crawler/crawl_job.h"

namespace smallset {

// "found 6 candidates, stored 6, wanted 10" followed by the shortfall, this run's counts
// and the count per failure or skip reason, one line each.
std::string SummaryText(const CrawlSummary& summary);

nlohmann::json SummaryJson(const CrawlSummary& summary);

}  // namespace smallset
