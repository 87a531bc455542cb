#include "crawler/summary.h"

#include "common/log.h"

namespace smallset {

std::string SummaryText(const CrawlSummary& s) {
  std::string text;
  if (s.refresh) {
    text = StringPrintf("\"%s\" (%s, label %s): found %lld candidates, stored %lld new, up to %lld\n", s.query.c_str(),
                        s.engine.c_str(), s.label.c_str(), static_cast<long long>(s.found),
                        static_cast<long long>(s.stored_now), static_cast<long long>(s.wanted));
  } else {
    text = StringPrintf("\"%s\" (%s, label %s): found %lld candidates, stored %lld, wanted %lld\n", s.query.c_str(),
                        s.engine.c_str(), s.label.c_str(), static_cast<long long>(s.found),
                        static_cast<long long>(s.stored), static_cast<long long>(s.wanted));
  }
  int64_t target = s.refresh ? s.wanted : s.wanted - s.stored + s.stored_now;
  if (s.stored_now < target) {
    std::string why = s.interrupted          ? "interrupted"
                      : !s.error.empty()     ? "the run stopped on an error"
                      : s.engine_exhausted   ? "the engine has no more results"
                                             : "every candidate was tried";
    text += StringPrintf("  short by %lld: %s\n", static_cast<long long>(target - s.stored_now), why.c_str());
  }
  text += StringPrintf("  this run: %lld stored, %lld duplicates, %lld failed, %lld skipped, %.1f MB in %.1f s\n",
                       static_cast<long long>(s.stored_now), static_cast<long long>(s.duplicates),
                       static_cast<long long>(s.failed), static_cast<long long>(s.skipped), s.bytes / 1e6, s.seconds);
  if (s.retried > 0) {
    text += StringPrintf("  retried %lld downloads that earlier runs gave up on\n", static_cast<long long>(s.retried));
  }
  for (const auto& [reason, count] : s.reasons) {
    text += StringPrintf("  %5lld  %s\n", static_cast<long long>(count), reason.c_str());
  }
  int64_t rejected_private = 0;
  for (const auto& [reason, count] : s.reasons) {
    if (reason.rfind("private address ", 0) == 0) rejected_private += count;
  }
  if (rejected_private > 0) {
    text += StringPrintf("  %lld downloads were refused because their address is private; pass --allow-private if "
                         "the images are on this machine or your LAN\n",
                         static_cast<long long>(rejected_private));
  }
  if (!s.error.empty()) text += "  error: " + s.error + "\n";
  return text;
}

nlohmann::json SummaryJson(const CrawlSummary& s) {
  nlohmann::json reasons = nlohmann::json::object();
  for (const auto& [reason, count] : s.reasons) reasons[reason] = count;
  nlohmann::json json = {
      {"query", s.query},           {"label", s.label},
      {"engine", s.engine},         {"wanted", s.wanted},
      {"found", s.found},           {"stored", s.stored},
      {"stored_now", s.stored_now}, {"duplicates", s.duplicates},
      {"failed", s.failed},         {"skipped", s.skipped},
      {"retried", s.retried},
      {"bytes", s.bytes},           {"pages", s.pages},
      {"seconds", s.seconds},       {"engine_exhausted", s.engine_exhausted},
      {"interrupted", s.interrupted}, {"refresh", s.refresh},
      {"reasons", reasons},
  };
  if (!s.error.empty()) json["error"] = s.error;
  if (!s.saved_page.empty()) json["saved_page"] = s.saved_page;
  return json;
}

}  // namespace smallset
