// crawl: keyword image search and reliable download into the content store.
//
//   crawl "actors with glasses" -n 200 --label glasses
//   crawl --urls list.txt -n 50 --label cats
//   crawl --refresh --new 50
#include <CLI/CLI.hpp>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <memory>

#include "common/cli_options.h"
#include "common/content_store.h"
#include "common/exit_code.h"
#include "common/interrupt.h"
#include "common/log.h"
#include "common/manifest.h"
#include "common/run_lock.h"
#include "common/version.h"
#include "crawler/crawl_job.h"
#include "crawler/crawl_record.h"
#include "crawler/engine.h"
#include "crawler/option_values.h"
#include "crawler/summary.h"

namespace smallset {
namespace {

struct CrawlOptions {
  CommonOptions common;
  std::string query;
  int64_t wanted = 0;
  std::string label;
  std::string engine = "bing";
  std::string urls_file;
  std::string engine_url;
  std::string store;
  int jobs = 16;
  int per_host = 4;
  double timeout = 30;
  std::string max_bytes = "20MiB";
  int retries = 3;
  int max_pages = 50;
  std::string licenses;
  bool allow_private = false;
  std::string user_agent = std::string("smallset/") + SMALLSET_VERSION + " (+https://github.com/smallset)";
  bool json = false;
  bool refresh = false;
  int64_t new_images = 50;
};

void AddOptions(CLI::App& app, CrawlOptions* o) {
  app.add_option("query", o->query, "Keywords to search for (not with --urls or --refresh)");
  app.add_option("-n", o->wanted, "Images of this query to have stored in all; a rerun tops up to it")
      ->check(CLI::PositiveNumber);
  app.add_option("--label", o->label, "Class of every image found (default: a slug of the query)");
  app.add_option("--engine", o->engine, "Search engine")
      ->check(CLI::IsMember({"bing", "duckduckgo", "openverse", "wikimedia"}))
      ->capture_default_str();

  app.add_option("--urls", o->urls_file, "Take candidates from this file of URLs (one per line, # comments) "
                                         "instead of an engine");
  app.add_option("--engine-url", o->engine_url, "Base URL of the engine, for mirrors (default: the engine's own)");
  app.add_option("--store", o->store, "Content store folder, recorded in the manifest for curate and train "
                                      "(default: the recorded one, else images/ beside the manifest)");

  app.add_option("--jobs", o->jobs, "Downloads at once")->check(CLI::Range(1, 256))->capture_default_str();
  app.add_option("--per-host", o->per_host, "Downloads at once from one host")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  app.add_option("--timeout", o->timeout, "Whole-transfer timeout per attempt, in seconds")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--max-bytes", o->max_bytes, "Largest download, in bytes with an optional unit (KB, MiB, ...)")
      ->capture_default_str();
  app.add_option("--retries", o->retries, "Retries of a timed-out, reset or 408/429/5xx transfer")
      ->check(CLI::Range(0, 10))
      ->capture_default_str();
  app.add_option("--max-pages", o->max_pages, "Result pages to read at most per query")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();

  app.add_option("--license", o->licenses, "Keep only results under these licences, comma separated "
                                           "(cc0, pdm, by, by-sa, by-nd, by-nc, by-nc-sa, by-nc-nd; default: all)");
  app.add_flag("--allow-private", o->allow_private, "Download from loopback, private and link-local addresses "
                                                    "(refused by default, also after redirects)");
  app.add_option("--user-agent", o->user_agent, "User-Agent header")->capture_default_str();
  app.add_flag("--json", o->json, "Print the final summary as one JSON object on stdout");

  app.add_flag("--refresh", o->refresh, "Rerun every query in the manifest with its engine and label");
  app.add_option("--new", o->new_images, "With --refresh: images new to the manifest to store per query at most")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  AddCommonOptions(app, &o->common);
  app.footer(
      "Exit status: 0 when the run completed (failed downloads are recorded, not fatal), 1 when the engine "
      "failed (rate limited past every retry, result page not recognised) or the manifest or store failed, "
      "2 for invalid options, 130 when interrupted.");
}

Status ValidateOptions(const CrawlOptions& o) {
  const bool web_url = o.engine_url.rfind("http://", 0) == 0 || o.engine_url.rfind("https://", 0) == 0;
  if (!o.engine_url.empty() && !web_url) {
    return Status::InvalidArgument("invalid --engine-url \"" + o.engine_url +
                                   "\": give an http:// or https:// URL, such as http://127.0.0.1:8080");
  }
  if (o.refresh) {
    if (!o.query.empty() || !o.urls_file.empty()) {
      return Status::InvalidArgument("--refresh reruns the stored queries: drop the query and --urls");
    }
    return Status::Ok();
  }
  if (o.query.empty() && o.urls_file.empty()) {
    return Status::InvalidArgument("no query given: run `crawl \"keywords\" -n 100`, `crawl --urls FILE -n 100` "
                                   "or `crawl --refresh`");
  }
  if (!o.query.empty() && !o.urls_file.empty()) {
    return Status::InvalidArgument("give either a query or --urls, not both");
  }
  if (o.wanted <= 0) return Status::InvalidArgument("-n is missing: say how many images to store, e.g. -n 100");
  bool engine_states_licenses = o.urls_file.empty() && (o.engine == "openverse" || o.engine == "wikimedia");
  if (!o.licenses.empty() && !engine_states_licenses) {
    return Status::InvalidArgument("--license needs --engine openverse or wikimedia, the engines that state "
                                   "licences; other results carry none, so every one would be dropped");
  }
  return Status::Ok();
}

std::string AbsolutePath(const std::string& path) {
  char resolved[PATH_MAX];
  if (!path.empty() && path[0] == '/') return path;
  if (realpath(path.c_str(), resolved) != nullptr) return resolved;
  char cwd[PATH_MAX];
  return getcwd(cwd, sizeof(cwd)) ? std::string(cwd) + "/" + path : path;
}

Status OpenStore(Manifest* manifest, const std::string& store_option, std::unique_ptr<ContentStore>* store) {
  if (!store_option.empty()) {
    std::string absolute = AbsolutePath(store_option);
    SMALLSET_RETURN_IF_ERROR(manifest->WriteTransaction([&] { return manifest->PutSetting("store_dir", absolute); }));
  }
  return ContentStore::Open(manifest->StoreDirectory(), store);
}

void PrintSummary(const CrawlSummary& summary, bool json) {
  if (json) return;
  std::fputs(SummaryText(summary).c_str(), stdout);
}

int ExitCodeFor(const Status& status) {
  if (status.ok()) return kExitOk;
  return status.code() == Status::Code::kInterrupted ? kExitInterrupted : kExitFailure;
}

// Settings shared by a single crawl and each query of a refresh.
CrawlRequest RequestFromOptions(const CrawlOptions& o, const std::vector<std::string>& licenses) {
  CrawlRequest request;
  request.engine_url = o.engine_url;
  request.licenses = licenses;
  request.max_pages = o.max_pages;
  request.show_progress = !o.common.quiet && !o.json;
  return request;
}

int RunOneQuery(const CrawlOptions& o, Manifest* manifest, ContentStore* store, const HttpOptions& http,
                const std::vector<std::string>& licenses) {
  CrawlRequest request = RequestFromOptions(o, licenses);
  if (!o.urls_file.empty()) {
    request.engine = "urls";
    request.query = AbsolutePath(o.urls_file);
    std::string name = o.urls_file.substr(o.urls_file.find_last_of('/') + 1);
    request.label = o.label.empty() ? LabelSlug(name.substr(0, name.find('.'))) : o.label;
  } else {
    request.engine = o.engine;
    request.query = o.query;
    request.label = o.label.empty() ? LabelSlug(o.query) : o.label;
  }
  request.wanted = o.wanted;

  CrawlSummary summary;
  Status status = RunCrawl(manifest, store, http, request, &summary);
  PrintSummary(summary, o.json);
  if (o.json) std::cout << SummaryJson(summary).dump() << std::endl;
  return ExitCodeFor(status);
}

// Reruns every stored query; one failing query does not stop the others.
int RunRefresh(const CrawlOptions& o, Manifest* manifest, ContentStore* store, const HttpOptions& http,
               const std::vector<std::string>& licenses) {
  std::unique_ptr<RunLock> lock;
  Status locked = RunLock::TryAcquire(manifest->path() + ".refresh.lock", &lock);
  if (!locked.ok()) {
    SMALLSET_LOG_ERROR("another crawl --refresh is running on %s (%s); this one exits without changes",
                       manifest->path().c_str(), locked.message().c_str());
    return kExitFailure;
  }

  std::vector<QueryRow> queries;
  Status listed = ListQueries(manifest, &queries);
  if (!listed.ok()) {
    SMALLSET_LOG_ERROR("%s", listed.message().c_str());
    return kExitFailure;
  }
  SMALLSET_LOG_INFO("refreshing %zu queries, up to %lld new images each", queries.size(),
                    static_cast<long long>(o.new_images));

  int failures = 0;
  nlohmann::json results = nlohmann::json::array();
  for (const QueryRow& query : queries) {
    if (InterruptRequested()) break;
    CrawlRequest request = RequestFromOptions(o, licenses);
    request.query = query.text;
    request.label = query.label;
    request.engine = query.engine;
    if (o.engine_url.empty()) request.engine_url = query.engine_url;
    request.wanted = query.requested;
    request.new_limit = o.new_images;

    CrawlSummary summary;
    Status status = RunCrawl(manifest, store, http, request, &summary);
    if (!status.ok() && summary.error.empty()) summary.error = status.message();
    if (status.code() == Status::Code::kInterrupted) summary.interrupted = true;
    if (!status.ok()) ++failures;
    PrintSummary(summary, o.json);
    results.push_back(SummaryJson(summary));
  }
  if (o.json) std::cout << nlohmann::json{{"queries", results}, {"failed_queries", failures}}.dump() << std::endl;
  if (InterruptRequested()) return kExitInterrupted;
  if (failures > 0) SMALLSET_LOG_ERROR("%d of %zu queries failed", failures, queries.size());
  return failures > 0 ? kExitFailure : kExitOk;
}

int Main(int argc, char** argv) {
  CLI::App app{"crawl: search an image engine for keywords and download the results into the content store, "
               "recording every candidate and its outcome in the manifest"};
  CrawlOptions o;
  AddOptions(app, &o);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error) == 0 ? kExitOk : kExitUsage;
  }
  ApplyCommonOptions(o.common);

  HttpOptions http;
  http.jobs = o.jobs;
  http.per_host = o.per_host;
  http.timeout_seconds = o.timeout;
  http.max_retries = o.retries;
  http.allow_private = o.allow_private;
  http.user_agent = o.user_agent;
  std::vector<std::string> licenses;
  Status valid = ValidateOptions(o);
  if (valid.ok()) valid = ParseByteSize(o.max_bytes, &http.max_bytes);
  if (valid.ok()) valid = ParseLicenseList(o.licenses, &licenses);
  if (!valid.ok()) {
    SMALLSET_LOG_ERROR("%s", valid.message().c_str());
    return kExitUsage;
  }

  std::unique_ptr<Manifest> manifest;
  std::unique_ptr<ContentStore> store;
  Status opened = Manifest::Open(o.common.manifest, &manifest);
  if (opened.ok()) opened = OpenStore(manifest.get(), o.store, &store);
  if (!opened.ok()) {
    SMALLSET_LOG_ERROR("%s", opened.message().c_str());
    return kExitFailure;
  }

  InstallInterruptHandlers();
  return o.refresh ? RunRefresh(o, manifest.get(), store.get(), http, licenses)
                   : RunOneQuery(o, manifest.get(), store.get(), http, licenses);
}

}  // namespace
}  // namespace smallset

int main(int argc, char** argv) { return smallset::Main(argc, argv); }
