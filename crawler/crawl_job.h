// One crawl of one query: page through the engine, record every candidate, download
// them concurrently into the content store and record each outcome.
//
// Paging and downloading overlap: result pages are requests on the same HttpClient as
// the images, and the next page is asked for while fewer than `jobs` candidates wait.
// At most as many downloads run as images are still wanted, so the query never stores
// more than requested. Paging stops when a result page adds no URL that this run has not
// seen (engines repeat their last page), when the engine reports that it has no more pages, or
// after `max_pages` pages.
//
// A killed run leaves its unfinished candidates 'pending'; the next run of the same query
// downloads those first and never fetches a URL the manifest already has an outcome for.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/content_store.h"
#include "common/manifest.h"
#include "common/status.h"
#include "crawler/http_client.h"

namespace smallset {

struct CrawlRequest {
  std::string query;       // keywords, or the URL list file for engine "urls"
  std::string label;
  std::string engine;      // bing | duckduckgo | openverse | wikimedia | urls
  std::string engine_url;  // "" for the engine's default
  int64_t wanted = 0;      // -n: images of this query to have stored in all
  // Refresh mode: store at most this many images new to the manifest, whatever the query
  // stored before. `wanted` is then only recorded.
  std::optional<int64_t> new_limit;
  std::vector<std::string> licenses;  // licence codes to keep; empty keeps all
  int max_pages = 50;
  bool show_progress = true;
};

struct CrawlSummary {
  std::string query;
  std::string label;
  std::string engine;
  int64_t wanted = 0;
  int64_t found = 0;         // distinct candidate URLs the engine returned in this run
  int64_t stored = 0;        // this query's stored images in all, after the run
  int64_t stored_now = 0;    // stored by this run
  int64_t duplicates = 0;    // downloads whose bytes were already stored
  int64_t failed = 0;
  int64_t skipped = 0;
  int64_t retried = 0;       // candidates that earlier runs gave up on, tried again in this run
  int64_t bytes = 0;         // downloaded bytes
  int64_t pages = 0;
  bool refresh = false;      // wanted is the --new limit, not a total
  bool engine_exhausted = false;
  bool interrupted = false;
  std::map<std::string, int64_t> reasons;  // failure or skip reason -> count
  std::string error;         // engine or manifest error; "" when the run completed
  std::string saved_page;    // unrecognised result page, saved for inspection
  double seconds = 0;
};

// Runs the crawl. Returns an error for an engine failure (rate limiting past every retry,
// an unrecognised result page), a manifest or content store failure, or an interrupt;
// `summary` is filled in every case, with the error's message in `summary->error` unless
// the run was interrupted.
Status RunCrawl(Manifest* manifest, ContentStore* store, const HttpOptions& http, const CrawlRequest& request,
                CrawlSummary* summary);

}  // namespace smallset
