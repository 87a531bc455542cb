#include "crawler/engine.h"

#include <algorithm>
#include <cctype>

namespace smallset {

const std::vector<std::string>& EngineNames() {
  static const std::vector<std::string> kNames = {"bing", "duckduckgo", "openverse", "wikimedia"};
  return kNames;
}

std::string DefaultEngineUrl(const std::string& name) {
  if (name == "bing") return "https://www.bing.com";
  if (name == "duckduckgo") return "https://duckduckgo.com";
  if (name == "openverse") return "https://api.openverse.org";
  if (name == "wikimedia") return "https://commons.wikimedia.org";
  return "";
}

std::string TrimTrailingSlash(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

Status MakeEngine(const EngineOptions& options, std::unique_ptr<Engine>* out) {
  if (options.name == "urls") return NewUrlListEngine(options.query, out);
  std::string base = options.base_url.empty() ? DefaultEngineUrl(options.name) : options.base_url;
  if (options.name == "bing") {
    *out = NewBingEngine(options.query, base);
  } else if (options.name == "duckduckgo") {
    *out = NewDuckDuckGoEngine(options.query, base);
  } else if (options.name == "openverse") {
    *out = NewOpenverseEngine(options.query, base);
  } else if (options.name == "wikimedia") {
    *out = NewWikimediaEngine(options.query, base);
  } else {
    return Status::InvalidArgument("unknown engine \"" + options.name +
                                   "\": choose bing, duckduckgo, openverse or wikimedia");
  }
  return Status::Ok();
}

std::string LicenseCode(const std::string& license) {
  std::string lower;
  for (unsigned char c : license) lower += static_cast<char>(std::tolower(c));
  size_t start = lower.find_first_not_of(' ');
  if (start == std::string::npos) return "";
  lower.erase(0, start);
  if (lower.rfind("public domain", 0) == 0 || lower == "pdm") return "pdm";
  if (lower.rfind("cc0", 0) == 0) return "cc0";
  if (lower.rfind("cc ", 0) == 0 || lower.rfind("cc-", 0) == 0) lower.erase(0, 3);
  return lower.substr(0, lower.find(' '));
}

}  // namespace smallset
