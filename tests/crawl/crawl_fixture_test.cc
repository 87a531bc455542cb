// The crawl program against the shared fixture server, which serves result pages in each
// layout bing has used, pages in no known layout, and image routes with every kind of
// download fault.
#include <dirent.h>
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <set>

#include "tests/crawl/crawl_test_util.h"

using namespace smallset::testing;

namespace {

class FixtureCrawl {
 public:
  explicit FixtureCrawl(const std::string& shared)
      : server_(shared + "/cases/crawl/serve_fixture.py", dir_ / "requests.jsonl"), manifest_(dir_ / "data.db") {}

  // Runs `crawl QUERY -n N` against the fixture with `extra` options and a 3 s timeout
  // unless `extra` sets one.
  ProcessResult Crawl(const std::string& query, int wanted, std::vector<std::string> extra = {"--allow-private"}) {
    std::vector<std::string> args = {query, "-n", std::to_string(wanted), "--engine-url", server_.url(),
                                     "--manifest", manifest_, "-q"};
    if (std::find(extra.begin(), extra.end(), "--timeout") == extra.end()) extra.insert(extra.end(), {"--timeout", "3"});
    args.insert(args.end(), extra.begin(), extra.end());
    return RunCrawlProgram(args);
  }

  std::string Url(const std::string& path) const { return server_.url() + path; }
  std::vector<LoggedRequest> Requests() const { return server_.Requests(); }
  const std::string& manifest() const { return manifest_; }
  const TempDir& dir() const { return dir_; }

  std::set<std::string> CandidateUrls() const {
    std::set<std::string> urls;
    for (const auto& row : QueryManifest(manifest_, "SELECT url FROM candidates")) urls.insert(row[0]);
    return urls;
  }

  // status and last_error of each candidate, by path.
  std::map<std::string, std::pair<std::string, std::string>> Outcomes() const {
    std::map<std::string, std::pair<std::string, std::string>> outcomes;
    for (const auto& row : QueryManifest(manifest_, "SELECT url, status, last_error FROM candidates")) {
      outcomes[row[0].substr(server_.url().size())] = {row[1], row[2]};
    }
    return outcomes;
  }

 private:
  TempDir dir_;
  LoopbackServer server_;
  std::string manifest_;
};

bool IsImageRequest(const LoggedRequest& request) {
  return request.path.rfind("/images/", 0) != 0;
}

std::vector<std::string> FilesUnder(const std::string& folder) {
  std::vector<std::string> files;
  DIR* dir = opendir(folder.c_str());
  if (dir == nullptr) return files;
  while (dirent* entry = readdir(dir)) {
    std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    std::vector<std::string> inner = FilesUnder(folder + "/" + name);
    if (inner.empty() && entry->d_type != DT_DIR) files.push_back(name);
    for (const std::string& file : inner) files.push_back(name + "/" + file);
  }
  closedir(dir);
  return files;
}

}  // namespace

TEST_CASE("attribute JSON results are decoded once") {
  SMALLSET_REQUIRE_SHARED(shared);
  FixtureCrawl crawl(shared);
  ProcessResult result = crawl.Crawl("shapes", 10);
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  CHECK(result.out.find("found 6 candidates, stored 6, wanted 10") != std::string::npos);
  CHECK(result.out.find("short by 4: the engine has no more results") != std::string::npos);

  auto requests = crawl.Requests();
  for (const char* path : {"/img/red_circle.jpg", "/img/blue_square.png?w=640&h=480", "/img/green_triangle.jpg",
                           "/img/caf%C3%A9%20au%20lait.jpg", "/img/yellow_star.jpg", "/img/teal_hex.jpg"}) {
    CAPTURE(path);
    CHECK(CountRequests(requests, path) == 1);
  }
  std::set<std::string> paths;
  for (const LoggedRequest& request : requests) {
    CAPTURE(request.path);
    CHECK(paths.insert(request.path).second);  // no URL requested twice
    CHECK(request.path.find("/th/") == std::string::npos);
    CHECK(request.path.find("/static/logo.png") == std::string::npos);
    CHECK(request.user_agent.rfind("smallset/", 0) == 0);
  }
}

TEST_CASE("paging stops when a page adds nothing") {
  SMALLSET_REQUIRE_SHARED(shared);
  FixtureCrawl crawl(shared);
  REQUIRE(crawl.Crawl("shapes", 50).exit_code == 0);
  auto requests = crawl.Requests();
  CHECK(CountRequests(requests, "/images/async?q=shapes&first=0&count=35") == 1);
  CHECK(CountRequests(requests, "/images/async?q=shapes&first=35&count=35") == 1);
  CHECK(CountRequests(requests, "/images/async?q=shapes&first=70&count=35") == 1);
  CHECK(CountRequests(requests, "/images/async?q=shapes&first=105&count=35") == 0);
  CHECK(QueryValue(crawl.manifest(), "SELECT COUNT(*) FROM candidates") == "6");
  CHECK(QueryValue(crawl.manifest(), "SELECT COUNT(*) FROM candidates WHERE status = 'stored'") == "6");
  CHECK(QueryValue(crawl.manifest(), "SELECT COUNT(*) FROM images") == "6");
}

TEST_CASE("meta-div results skip data URIs") {
  SMALLSET_REQUIRE_SHARED(shared);
  FixtureCrawl crawl(shared);
  ProcessResult result = crawl.Crawl("metadiv", 10);
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  std::set<std::string> expected = {crawl.Url("/img/violet_wave.jpg"), crawl.Url("/img/amber_grid.jpg?size=l&v=2"),
                                    crawl.Url("/img/proto_rel.jpg"), crawl.Url("/img/olive_dots.jpg"),
                                    crawl.Url("/img/navy_bars.jpg?a=1&b=2")};
  CHECK(crawl.CandidateUrls() == expected);
  auto requests = crawl.Requests();
  CHECK(CountRequests(requests, "/img/amber_grid.jpg?size=l&v=2") == 1);
  CHECK(CountRequests(requests, "/img/navy_bars.jpg?a=1&b=2") == 1);
  for (const LoggedRequest& request : requests) {
    CAPTURE(request.path);
    CHECK(request.path.find("data:") == std::string::npos);
    CHECK(request.path.find("/th/") == std::string::npos);
  }
}

TEST_CASE("gallery URLs resolve against redirected page") {
  SMALLSET_REQUIRE_SHARED(shared);
  FixtureCrawl crawl(shared);
  ProcessResult result = crawl.Crawl("generic", 20);
  INFO(result.err);
  REQUIRE(result.exit_code == 0);

  auto expected_json = nlohmann::json::parse(ReadTextFile(shared + "/cases/crawl/expected/expected.json"));
  std::set<std::string> expected;
  for (const auto& candidate : expected_json["generic_relative.html"]["candidates_in_order"]) {
    std::string url = candidate["url"];
    expected.insert(crawl.Url(url.substr(url.find("PORT") + 4)));
  }
  REQUIRE(expected.size() == 8);
  CHECK(crawl.CandidateUrls() == expected);
  auto requests = crawl.Requests();
  CHECK(CountRequests(requests, "/gallery/sub/pics/five-1x.jpg") == 0);
  CHECK(CountRequests(requests, "/th/11.jpg") == 0);
  CHECK(CountRequests(requests, "/static/logo.png") == 0);
  CHECK(QueryValue(crawl.manifest(), "SELECT COUNT(*) FROM candidates WHERE status = 'stored'") == "8");
}

TEST_CASE("unrecognised result pages are errors") {
  SMALLSET_REQUIRE_SHARED(shared);
  for (const char* query : {"changed", "consent"}) {
    CAPTURE(query);
    FixtureCrawl crawl(shared);
    ProcessResult result = crawl.Crawl(query, 10);
    CHECK(result.exit_code == 1);
    std::string expected_words = std::string(query) == "consent" ? "consent page" : "not recognised";
    CHECK(result.err.find(expected_words) != std::string::npos);
    CHECK(result.err.find(std::string("\"") + query + "\"") != std::string::npos);
    CHECK(QueryValue(crawl.manifest(), "SELECT COUNT(*) FROM candidates") == "0");
    CHECK(CountRequests(crawl.Requests(), "/static/logo.png") == 0);

    auto files = FilesUnder(crawl.dir().path());
    auto saved = std::find_if(files.begin(), files.end(),
                              [](const std::string& name) { return name.rfind("crawl-unrecognised-bing-", 0) == 0; });
    REQUIRE(saved != files.end());
    CHECK(result.err.find(*saved) != std::string::npos);
  }
}

TEST_CASE("rate-limited engine gives up after spaced retries") {
  SMALLSET_REQUIRE_SHARED(shared);
  FixtureCrawl crawl(shared);
  ProcessResult result = crawl.Crawl("blocked", 5, {"--allow-private", "--retries", "2"});
  CHECK(result.exit_code == 1);
  CHECK(result.err.find("HTTP 429") != std::string::npos);
  CHECK(result.err.find("\"blocked\"") != std::string::npos);

  std::vector<double> times;
  for (const LoggedRequest& request : crawl.Requests()) {
    if (request.path.rfind("/images/async?q=blocked", 0) == 0) times.push_back(request.time);
  }
  REQUIRE(times.size() == 3);
  for (size_t i = 1; i < times.size(); ++i) {
    CAPTURE(i);
    CHECK(times[i] - times[i - 1] >= 1.9);  // the server's Retry-After: 2
    CHECK(times[i] - times[i - 1] < 4.0);
  }
}

TEST_CASE("download faults get their reasons") {
  SMALLSET_REQUIRE_SHARED(shared);
  FixtureCrawl crawl(shared);
  ProcessResult result = crawl.Crawl("faults", 20, {"--allow-private", "--retries", "1", "--timeout", "2"});
  INFO(result.err);
  REQUIRE(result.exit_code == 0);

  auto outcomes = crawl.Outcomes();
  const std::map<std::string, std::pair<std::string, std::string>> expected = {
      {"/r/hop1", {"stored", ""}},
      {"/r/rel", {"stored", ""}},
      {"/r/loop-a", {"failed", "too many redirects"}},
      {"/err/403.jpg", {"failed", "HTTP 403"}},
      {"/err/404.jpg", {"failed", "HTTP 404"}},
      {"/err/html-as-jpg.jpg", {"skipped", "not an image (HTML)"}},
      {"/mime/webp-as-jpg.jpg", {"stored", ""}},
      {"/mime/svg-as-jpg.jpg", {"skipped", "not a raster image (SVG)"}},
      {"/mime/no-content-type.jpg", {"stored", ""}},
      {"/err/empty.jpg", {"skipped", "empty body"}},
      {"/err/short.jpg", {"failed", "partial transfer"}},
      {"/err/stall.jpg", {"failed", "timeout"}},
      {"/big/oversize.jpg", {"skipped", "too large"}},
      {"/flaky/once.jpg", {"stored", ""}},
  };
  CHECK(outcomes == expected);

  // Redirects are recorded with their final URL; the loop stops after at most 10 hops.
  CHECK(QueryValue(crawl.manifest(), "SELECT final_url FROM candidates WHERE url LIKE '%/r/hop1'") ==
        crawl.Url("/img/orange_ring.jpg"));
  CHECK(QueryValue(crawl.manifest(), "SELECT final_url FROM candidates WHERE url LIKE '%/r/rel'") ==
        crawl.Url("/img/navy_bars.jpg"));
  auto requests = crawl.Requests();
  CHECK(CountRequests(requests, "/r/loop-a") + CountRequests(requests, "/r/loop-b") <= 11);

  // The 503 is retried once, after its Retry-After of 1 s.
  std::vector<double> flaky;
  for (const LoggedRequest& request : requests) {
    if (request.path == "/flaky/once.jpg") flaky.push_back(request.time);
  }
  REQUIRE(flaky.size() == 2);
  CHECK(flaky[1] - flaky[0] >= 0.9);
  CHECK(QueryValue(crawl.manifest(), "SELECT attempts FROM candidates WHERE url LIKE '%/flaky/once.jpg'") == "2");

  // Five files kept, the WebP as WebP, and nothing partial left in the store.
  CHECK(QueryValue(crawl.manifest(), "SELECT COUNT(*) FROM images") == "5");
  CHECK(QueryValue(crawl.manifest(), "SELECT path FROM images WHERE format = 'webp'").find(".webp") !=
        std::string::npos);
  auto files = FilesUnder(crawl.dir() / "images");
  CHECK(files.size() == 5);
  for (const std::string& file : files) CHECK(file.find(".tmp-") == std::string::npos);

  // The oversize body stopped at the byte cap.
  CHECK(QueryValue(crawl.manifest(), "SELECT COALESCE(bytes, 0) < 20971520 FROM candidates WHERE url LIKE '%oversize%'") ==
        "1");
  CHECK(result.out.find("found 14 candidates, stored 5, wanted 20") != std::string::npos);
}

TEST_CASE("private addresses are refused by default") {
  SMALLSET_REQUIRE_SHARED(shared);
  FixtureCrawl crawl(shared);
  ProcessResult result = crawl.Crawl("shapes", 10, {});
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  auto rows = QueryManifest(crawl.manifest(), "SELECT status, last_error FROM candidates");
  REQUIRE(rows.size() == 6);
  for (const auto& row : rows) {
    CHECK(row[0] == "skipped");
    CHECK(row[1] == "private address 127.0.0.1 refused");
  }
  for (const LoggedRequest& request : crawl.Requests()) CHECK_FALSE(IsImageRequest(request));
}

TEST_CASE("rerun tops up without refetching") {
  SMALLSET_REQUIRE_SHARED(shared);
  FixtureCrawl crawl(shared);
  ProcessResult first = crawl.Crawl("shapes", 2);
  REQUIRE(first.exit_code == 0);
  CHECK(first.out.find("stored 2, wanted 2") != std::string::npos);
  CHECK(QueryValue(crawl.manifest(), "SELECT COUNT(*) FROM candidates WHERE status = 'stored'") == "2");

  ProcessResult second = crawl.Crawl("shapes", 10);
  REQUIRE(second.exit_code == 0);
  CHECK(second.out.find("stored 6, wanted 10") != std::string::npos);
  for (const LoggedRequest& request : crawl.Requests()) {
    if (!IsImageRequest(request)) continue;
    CAPTURE(request.path);
    CHECK(CountRequests(crawl.Requests(), request.path) == 1);
  }
  CHECK(QueryValue(crawl.manifest(), "SELECT COUNT(*) FROM queries") == "1");
  CHECK(QueryValue(crawl.manifest(), "SELECT requested FROM queries") == "10");
}

TEST_CASE("json summary is one object") {
  SMALLSET_REQUIRE_SHARED(shared);
  FixtureCrawl crawl(shared);
  ProcessResult result = crawl.Crawl("shapes", 10, {"--allow-private", "--json", "--label", "shape"});
  REQUIRE(result.exit_code == 0);
  nlohmann::json summary = nlohmann::json::parse(result.out);
  CHECK(summary["found"] == 6);
  CHECK(summary["stored"] == 6);
  CHECK(summary["wanted"] == 10);
  CHECK(summary["label"] == "shape");
  CHECK(summary["engine_exhausted"] == true);
  CHECK(QueryValue(crawl.manifest(), "SELECT DISTINCT label FROM images") == "shape");
}
