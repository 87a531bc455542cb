// A search engine behind one interface: the crawl loop requests the URL of the next
// result page, fetches it, and hands the response back to be parsed into candidates.
//
//   std::unique_ptr<Engine> engine;
//   SMALLSET_RETURN_IF_ERROR(MakeEngine(options, &engine));
//   HttpResponse response = Fetch(engine->NextPageUrl());
//   ResultPage page;
//   SMALLSET_RETURN_IF_ERROR(engine->ParsePage(response, &page));
//
// ParsePage returns Status::Unsupported for a response in no layout the engine knows
// (changed markup, a consent or interstitial page): that is an error, never "0 results",
// and the caller saves the page for inspection.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "crawler/http_response.h"

namespace smallset {

// One image that a result page offers. `url` is absolute (resolved against the page)
// but not yet normalised.
struct Candidate {
  std::string url;
  std::string page_url;       // the page the image appears on
  std::string thumbnail_url;
  std::string title;
  std::string license;        // as the engine states it ("by-sa 4.0"), "" when unknown
  std::string creator;
};

struct ResultPage {
  std::vector<Candidate> candidates;
  // False for a request that only prepares paging (duckduckgo's token page): an empty
  // preparatory page does not mean that the engine ran dry.
  bool is_result_page = true;
  // True when the engine reports that there is no further page.
  bool last_page = false;
};

class Engine {
 public:
  virtual ~Engine() = default;

  // "bing", "duckduckgo", "openverse", "wikimedia" or "urls".
  virtual const char* name() const = 0;

  // URL of the next page to fetch. Each call is followed by one ParsePage call with the
  // response, which advances the paging state. An empty URL means that the page needs no
  // request (a local URL list): ParsePage is then called with an empty response.
  virtual std::string NextPageUrl() = 0;

  // Parses a 2xx response to the last NextPageUrl().
  virtual Status ParsePage(const HttpResponse& response, ResultPage* page) = 0;
};

struct EngineOptions {
  std::string name;      // one of the engine names above
  std::string query;     // keywords; for "urls" the file of URLs
  std::string base_url;  // "" for the engine's default
};

// Default base URL of an engine ("https://www.bing.com"), "" for "urls".
std::string DefaultEngineUrl(const std::string& name);

// Names accepted by MakeEngine, for messages and --help.
const std::vector<std::string>& EngineNames();

Status MakeEngine(const EngineOptions& options, std::unique_ptr<Engine>* out);

// Constructors of the engines; each lives in its own file with its own parser.
std::unique_ptr<Engine> NewBingEngine(const std::string& query, const std::string& base_url);
std::unique_ptr<Engine> NewDuckDuckGoEngine(const std::string& query, const std::string& base_url);
std::unique_ptr<Engine> NewOpenverseEngine(const std::string& query, const std::string& base_url);
std::unique_ptr<Engine> NewWikimediaEngine(const std::string& query, const std::string& base_url);
// Reads the URL list at construction; fails on an unreadable file.
Status NewUrlListEngine(const std::string& path, std::unique_ptr<Engine>* out);

// Short licence code for --license filtering: "by-sa 4.0" and "CC BY-SA 4.0" give "by-sa",
// "CC0 1.0" gives "cc0", "Public domain" gives "pdm". "" for an empty licence.
std::string LicenseCode(const std::string& license);

// Base URL without a trailing slash.
std::string TrimTrailingSlash(std::string url);

}  // namespace smallset
