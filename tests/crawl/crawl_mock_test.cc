// The crawl program against tests/crawl/mock_engine.py: one test per engine format,
// interrupts, kill-and-resume and scheduled refreshes.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <set>

#include "common/run_lock.h"
#include "tests/crawl/crawl_test_util.h"

using namespace smallset::testing;

namespace {

class MockCrawl {
 public:
  explicit MockCrawl(const std::vector<std::string>& server_args)
      : server_(SourceDir() + "/tests/crawl/mock_engine.py", dir_ / "requests.jsonl", server_args),
        manifest_(dir_ / "data.db") {}

  // Arguments shared by every run: this manifest, loopback allowed, quiet, one retry.
  std::vector<std::string> CommonArgs() const {
    return {"--manifest", manifest_, "--allow-private", "-q", "--retries", "1", "--timeout", "5"};
  }

  ProcessResult Crawl(const std::string& query, const std::string& engine, int wanted,
                      const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {query, "--engine", engine, "--engine-url", EngineUrl(engine), "-n",
                                     std::to_string(wanted)};
    for (const auto& list : {CommonArgs(), extra}) args.insert(args.end(), list.begin(), list.end());
    return RunCrawlProgram(args);
  }

  // The same crawl as Crawl(), as a shell command line for tests that signal it.
  std::string CrawlCommand(const std::string& query, const std::string& engine, int wanted) const {
    std::string command = BinPath("crawl") + " " + query + " --engine " + engine + " --engine-url " +
                          EngineUrl(engine) + " -n " + std::to_string(wanted) + " --jobs 4";
    for (const std::string& arg : CommonArgs()) command += " '" + arg + "'";
    return command;
  }

  std::string EngineUrl(const std::string& engine) const {
    return server_.url() + "/" + (engine == "duckduckgo" ? "ddg" : engine);
  }
  std::string Url(const std::string& path) const { return server_.url() + path; }
  std::vector<LoggedRequest> Requests() const { return server_.Requests(); }
  const std::string& manifest() const { return manifest_; }
  const TempDir& dir() const { return dir_; }

  std::string Count(const std::string& where) const {
    return QueryValue(manifest_, "SELECT COUNT(*) FROM candidates WHERE " + where);
  }

  // The largest number of image requests the mock served at once, as text.
  std::string MaxActiveImageRequests() const {
    std::string script = "import json, sys, urllib.request; "
                         "print(json.load(urllib.request.urlopen(sys.argv[1]))['max_active'], end='')";
    return RunProcess({SystemPython(), "-c", script, Url("/control/max-active")}, 10).out;
  }

  // Shell code that waits (up to 10 s) until this query stored at least `count` images.
  std::string WaitForStored(int count) const {
    return "for i in $(seq 100); do n=$(/usr/bin/sqlite3 '" + manifest_ +
           "' \"SELECT COUNT(*) FROM candidates WHERE status = 'stored'\" 2>/dev/null); "
           "[ \"${n:-0}\" -ge " + std::to_string(count) + " ] && break; sleep 0.1; done";
  }

  void SetResults(int count) {
    std::string url = Url("/control/results?n=" + std::to_string(count));
    ProcessResult result =
        RunProcess({SystemPython(), "-c", "import sys, urllib.request; urllib.request.urlopen(sys.argv[1])", url}, 10);
    REQUIRE(result.exit_code == 0);
  }

 private:
  TempDir dir_;
  LoopbackServer server_;
  std::string manifest_;
};

std::map<std::string, int> ImageRequestCounts(const std::vector<LoggedRequest>& requests) {
  std::map<std::string, int> counts;
  for (const LoggedRequest& request : requests) {
    if (request.path.rfind("/img/", 0) == 0) ++counts[request.path];
  }
  return counts;
}

}  // namespace

TEST_CASE("duckduckgo engine with faults") {
  MockCrawl mock({"--results", "30", "--page-size", "10", "--faults"});
  ProcessResult result = mock.Crawl("cats", "duckduckgo", 100);
  INFO(result.err);
  REQUIRE(result.exit_code == 0);

  // 30 results; each page repeats two of the page before. Result 2 is a 404, 10 is HTML,
  // 12 is cut off and 14 has the bytes of result 0.
  CHECK(result.out.find("found 30 candidates, stored 26, wanted 100") != std::string::npos);
  CHECK(mock.Count("1") == "30");
  CHECK(mock.Count("status = 'stored'") == "26");
  CHECK(QueryValue(mock.manifest(), "SELECT last_error FROM candidates WHERE url LIKE '%/fault/404.jpg'") ==
        "HTTP 404");
  CHECK(QueryValue(mock.manifest(), "SELECT status || ' ' || attempts FROM candidates WHERE url LIKE '%500-once%'") ==
        "stored 2");
  CHECK(QueryValue(mock.manifest(), "SELECT final_url FROM candidates WHERE url LIKE '%/fault/chain/%'") ==
        mock.Url("/img/6.jpg"));
  CHECK(QueryValue(mock.manifest(), "SELECT status FROM candidates WHERE url LIKE '%/fault/slow/%'") == "stored");
  CHECK(QueryValue(mock.manifest(), "SELECT last_error FROM candidates WHERE url LIKE '%html-as-jpeg%'") ==
        "not an image (HTML)");
  CHECK(QueryValue(mock.manifest(), "SELECT last_error FROM candidates WHERE url LIKE '%truncated%'") ==
        "partial transfer");
  CHECK(QueryValue(mock.manifest(),
                   "SELECT c.status, c.image_id = o.image_id FROM candidates c, candidates o "
                   "WHERE c.url LIKE '%copy=1' AND o.url = '" + mock.Url("/img/0.jpg") + "'") == "duplicate");
  CHECK(QueryValue(mock.manifest(),
                   "SELECT c.image_id = o.image_id FROM candidates c, candidates o "
                   "WHERE c.url LIKE '%copy=1' AND o.url = '" + mock.Url("/img/0.jpg") + "'") == "1");

  auto requests = mock.Requests();
  CHECK(CountRequests(requests, "/ddg/?q=cats") == 1);
  CHECK(CountRequests(requests, "/ddg/i.js?q=cats&o=json&vqd=4-31337_x&s=0") == 1);
  CHECK(CountRequests(requests, "/ddg/i.js?q=cats&o=json&vqd=4-31337_x&s=20") == 1);
  CHECK(CountRequests(requests, "/ddg/i.js?q=cats&o=json&vqd=4-31337_x&s=30") == 0);
  for (const auto& [path, count] : ImageRequestCounts(requests)) {
    CAPTURE(path);
    CHECK(count == 1);
  }
}

TEST_CASE("openverse engine filters licences") {
  MockCrawl mock({"--results", "25"});
  ProcessResult result = mock.Crawl("foxes", "openverse", 100, {"--license", "by,cc0"});
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  // Licences cycle by, cc0, by-nc, by-sa: 13 of the 25 results are by or cc0.
  CHECK(mock.Count("1") == "13");
  CHECK(mock.Count("status = 'stored'") == "13");
  CHECK(mock.Count("license NOT IN ('by 4.0', 'cc0 1.0')") == "0");
  CHECK(QueryValue(mock.manifest(), "SELECT license || '|' || creator FROM candidates WHERE url LIKE '%/img/1.jpg'") ==
        "cc0 1.0|creator 1");
  CHECK(CountRequests(mock.Requests(), "/openverse/v1/images/?q=foxes&page=2&page_size=20") == 1);
  CHECK(CountRequests(mock.Requests(), "/openverse/v1/images/?q=foxes&page=3&page_size=20") == 0);
}

TEST_CASE("wikimedia engine stores exactly the wanted count") {
  MockCrawl mock({"--results", "120"});
  ProcessResult result = mock.Crawl("owls", "wikimedia", 60);
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  CHECK(result.out.find("stored 60, wanted 60") != std::string::npos);
  CHECK(mock.Count("status = 'stored'") == "60");
  CHECK(QueryValue(mock.manifest(), "SELECT COUNT(*) FROM images") == "60");
  CHECK(ImageRequestCounts(mock.Requests()).size() == 60);  // no download beyond the wanted count
  CHECK(QueryValue(mock.manifest(), "SELECT license || '|' || creator FROM candidates WHERE url LIKE '%/img/1.jpg'") ==
        "CC0|Artist 1");
}

TEST_CASE("url list replaces the engine") {
  MockCrawl mock({});
  std::string list = mock.dir() / "urls.txt";
  WriteTextFile(list, "# my list\n" + mock.Url("/img/1.jpg") + "\n\n  " + mock.Url("/img/2.jpg") +
                          "  \ndata:image/gif;base64,R0lGOD\n" + mock.Url("/img/1.jpg#again") + "\n" +
                          mock.Url("/fault/to-ftp.jpg") + "\n" + mock.Url("/fault/heic.jpg") + "\n");
  std::string store = mock.dir() / "elsewhere";
  std::vector<std::string> args = {"--urls", list, "-n", "5", "--label", "mine", "--store", store};
  for (const std::string& arg : mock.CommonArgs()) args.push_back(arg);
  ProcessResult result = RunCrawlProgram(args);
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  CHECK(mock.Count("status = 'stored'") == "2");
  CHECK(mock.Count("1") == "4");
  CHECK(QueryValue(mock.manifest(), "SELECT engine || '|' || label FROM queries") == "urls|mine");

  // Redirects leave http(s) only to be skipped; HEIC is recorded as unsupported.
  CHECK(QueryValue(mock.manifest(), "SELECT status || '|' || last_error FROM candidates WHERE url LIKE '%to-ftp%'") ==
        "skipped|unsupported protocol (only http and https are fetched)");
  CHECK(QueryValue(mock.manifest(), "SELECT status || '|' || last_error FROM candidates WHERE url LIKE '%heic%'") ==
        "skipped|unsupported format heic");

  // --store is recorded for curate and train, and contains the files.
  CHECK(QueryValue(mock.manifest(), "SELECT value FROM settings WHERE key = 'store_dir'") == store);
  std::string path = QueryValue(mock.manifest(), "SELECT path FROM images LIMIT 1");
  CHECK(FileExists(store + "/" + path));
}

TEST_CASE("rerun retries earlier failures") {
  MockCrawl mock({});
  std::string list = mock.dir() / "urls.txt";
  WriteTextFile(list, mock.Url("/img/1.jpg") + "\n" + mock.Url("/fault/503-until-healed/2.jpg") + "\n" +
                          mock.Url("/fault/404.jpg") + "\n");
  auto crawl = [&](bool allow_private, bool json = true) {
    std::vector<std::string> args = {"--urls", list, "-n", "5", "--manifest", mock.manifest(), "-q", "--retries", "1",
                                     "--timeout", "5"};
    if (json) args.push_back("--json");
    if (allow_private) args.push_back("--allow-private");
    return RunCrawlProgram(args);
  };

  // Without --allow-private every image on 127.0.0.1 is skipped, and the summary names the flag.
  ProcessResult first = crawl(false, false);
  INFO(first.err);
  REQUIRE(first.exit_code == 0);
  CHECK(mock.Count("status = 'skipped' AND last_error LIKE 'private address %'") == "3");
  CHECK(first.out.find("3 downloads were refused because their address is private; pass --allow-private") !=
        std::string::npos);

  // With it, all three are tried again: one stores, the 503 and the 404 fail. Attempts add
  // up over runs: one refused connection, then two tries (--retries 1).
  ProcessResult second = crawl(true);
  INFO(second.err);
  REQUIRE(second.exit_code == 0);
  CHECK(nlohmann::json::parse(second.out)["retried"] == 3);
  CHECK(mock.Count("status = 'stored'") == "1");
  CHECK(QueryValue(mock.manifest(), "SELECT status || ' ' || attempts FROM candidates WHERE url LIKE '%503%'") ==
        "failed 3");
  CHECK(QueryValue(mock.manifest(), "SELECT status || ' ' || last_error FROM candidates WHERE url LIKE '%404%'") ==
        "failed HTTP 404");

  // Once the server is back, the 503 stores; the 404 is final and is not requested again.
  RunProcess({SystemPython(), "-c", "import sys, urllib.request; urllib.request.urlopen(sys.argv[1])",
              mock.Url("/control/heal")}, 10);
  ProcessResult third = crawl(true);
  INFO(third.err);
  REQUIRE(third.exit_code == 0);
  CHECK(nlohmann::json::parse(third.out)["retried"] == 1);
  CHECK(QueryValue(mock.manifest(), "SELECT status || ' ' || attempts FROM candidates WHERE url LIKE '%503%'") ==
        "stored 4");
  CHECK(CountRequests(mock.Requests(), "/fault/404.jpg") == 1);
}

TEST_CASE("interrupt records finished work and exits 130") {
  MockCrawl mock({"--results", "40", "--latency-ms", "200"});
  std::string script = mock.CrawlCommand("deer", "openverse", 40) +
                       " & pid=$!; " + mock.WaitForStored(4) + "; kill -INT $pid; wait $pid; echo exit=$?";
  ProcessResult result = RunProcess({"/bin/sh", "-c", script}, 60);
  INFO(result.err);
  CHECK(result.out.find("exit=130") != std::string::npos);
  CHECK(result.out.find("short by") != std::string::npos);
  CHECK(result.out.find("interrupted") != std::string::npos);
  int stored = std::stoi(mock.Count("status = 'stored'"));
  CHECK(stored > 0);
  CHECK(stored < 40);
  CHECK(QueryValue(mock.manifest(), "SELECT COUNT(*) FROM images") == std::to_string(stored));

  // Every image written before the interrupt was recorded: no file without its row.
  ProcessResult files = RunProcess({"/usr/bin/find", mock.dir() / "images", "-type", "f", "-name", "*.jpg"}, 10);
  CHECK(std::count(files.out.begin(), files.out.end(), '\n') == stored);
}

TEST_CASE("kill then rerun fetches only the missing") {
  MockCrawl mock({"--results", "40", "--latency-ms", "150"});
  std::string command = mock.CrawlCommand("elk", "openverse", 40);
  std::string kill_script = command + " & pid=$!; " + mock.WaitForStored(8) + "; kill -KILL $pid; wait $pid";
  ProcessResult killed = RunProcess({"/bin/sh", "-c", kill_script}, 60);
  std::set<std::string> stored_before;
  for (const auto& row : QueryManifest(mock.manifest(), "SELECT url FROM candidates WHERE status = 'stored'")) {
    stored_before.insert(row[0].substr(mock.Url("").size()));
  }
  REQUIRE(!stored_before.empty());
  REQUIRE(stored_before.size() < 40);

  ProcessResult rerun = RunProcess({"/bin/sh", "-c", command}, 60);
  INFO(rerun.err);
  REQUIRE(rerun.exit_code == 0);
  CHECK(rerun.out.find("stored 40, wanted 40") != std::string::npos);
  CHECK(mock.Count("1") == "40");
  CHECK(mock.Count("status = 'stored'") == "40");
  CHECK(QueryValue(mock.manifest(), "SELECT COUNT(*) FROM images") == "40");
  CHECK(QueryValue(mock.manifest(), "SELECT COUNT(DISTINCT sha256) FROM images") == "40");

  // Images stored before the kill are never fetched again; those in flight at most once more.
  for (const auto& [path, count] : ImageRequestCounts(mock.Requests())) {
    CAPTURE(path);
    CHECK(count <= (stored_before.count(path) ? 1 : 2));
  }
  ProcessResult leftovers = RunProcess({"/usr/bin/find", mock.dir() / "images", "-name", ".tmp-*"}, 10);
  CHECK(leftovers.out.empty());
}

TEST_CASE("refresh stores new results as they grow") {
  MockCrawl mock({"--results", "10"});
  REQUIRE(mock.Crawl("dogs", "openverse", 10).exit_code == 0);
  CHECK(mock.Count("status = 'stored'") == "10");
  // A query whose engine is down: recorded, and failing again on every refresh.
  std::vector<std::string> broken = {"broken", "--engine-url", mock.Url("/broken"), "-n", "5"};
  for (const std::string& arg : mock.CommonArgs()) broken.push_back(arg);
  CHECK(RunCrawlProgram(broken).exit_code == 1);

  mock.SetResults(25);
  std::vector<std::string> refresh = {"--refresh", "--new", "5", "--json"};
  for (const std::string& arg : mock.CommonArgs()) refresh.push_back(arg);
  ProcessResult first = RunCrawlProgram(refresh);
  INFO(first.err);
  CHECK(first.exit_code == 1);  // the broken query failed; the other still ran
  nlohmann::json summary = nlohmann::json::parse(first.out);
  CHECK(summary["failed_queries"] == 1);
  REQUIRE(summary["queries"].size() == 2);
  CHECK(summary["queries"][0]["stored_now"] == 5);
  CHECK(summary["queries"][1].contains("error"));
  CHECK(mock.Count("status = 'stored'") == "15");

  refresh[2] = "50";
  CHECK(RunCrawlProgram(refresh).exit_code == 1);
  CHECK(mock.Count("status = 'stored'") == "25");
  for (const auto& [path, count] : ImageRequestCounts(mock.Requests())) {
    CAPTURE(path);
    CHECK(count == 1);
  }
  CHECK(QueryValue(mock.manifest(), "SELECT DISTINCT label FROM images") == "dogs");
}

TEST_CASE("second refresh exits while one runs") {
  MockCrawl mock({"--results", "5"});
  REQUIRE(mock.Crawl("bats", "openverse", 5).exit_code == 0);
  size_t requests_before = mock.Requests().size();

  std::unique_ptr<smallset::RunLock> held;
  REQUIRE(smallset::RunLock::TryAcquire(mock.manifest() + ".refresh.lock", &held).ok());
  std::vector<std::string> refresh = {"--refresh"};
  for (const std::string& arg : mock.CommonArgs()) refresh.push_back(arg);
  ProcessResult result = RunCrawlProgram(refresh, 10);
  CHECK(result.exit_code == 1);
  CHECK(result.err.find("another crawl --refresh is running") != std::string::npos);
  CHECK(mock.Requests().size() == requests_before);
}

TEST_CASE("rejected image stays rejected") {
  MockCrawl mock({"--results", "3"});
  REQUIRE(mock.Crawl("ants", "openverse", 3).exit_code == 0);
  std::string image_id = QueryValue(mock.manifest(), "SELECT image_id FROM candidates WHERE url LIKE '%/img/0.jpg'");
  REQUIRE(!image_id.empty());
  ProcessResult rejected = RunProcess(
      {"/usr/bin/sqlite3", mock.manifest(), "UPDATE images SET decision = 'reject' WHERE id = " + image_id}, 10);
  REQUIRE(rejected.exit_code == 0);

  // The same bytes under a new URL are a duplicate of the rejected image, not a new image.
  std::string list = mock.dir() / "urls.txt";
  WriteTextFile(list, mock.Url("/img/0.jpg?mirror=1") + "\n");
  std::vector<std::string> args = {"--urls", list, "-n", "1", "--label", "ants"};
  for (const std::string& arg : mock.CommonArgs()) args.push_back(arg);
  REQUIRE(RunCrawlProgram(args).exit_code == 0);
  CHECK(QueryValue(mock.manifest(), "SELECT status || ' ' || image_id FROM candidates WHERE url LIKE '%mirror=1'") ==
        "duplicate " + image_id);
  CHECK(QueryValue(mock.manifest(), "SELECT COUNT(*) FROM images") == "3");
  CHECK(QueryValue(mock.manifest(), "SELECT decision FROM images WHERE id = " + image_id) == "reject");
}

TEST_CASE("help lists every option") {
  ProcessResult help = RunCrawlProgram({"--help"}, 10);
  REQUIRE(help.exit_code == 0);
  for (const char* option : {"-n", "--label", "--engine", "--urls", "--engine-url", "--manifest", "--store", "--jobs",
                             "--per-host", "--timeout", "--max-bytes", "--license", "--allow-private", "--user-agent",
                             "--json", "--refresh", "--new", "--retries"}) {
    CAPTURE(option);
    CHECK(help.out.find(std::string("  ") + option) != std::string::npos);
  }
  // CLI11 2.1 prints the default as "=20MiB", CLI11 2.4 as "[20MiB]".
  CHECK(help.out.find("20MiB") != std::string::npos);
  CHECK(help.out.find("in seconds") != std::string::npos);
}

TEST_CASE("invalid options are usage errors") {
  TempDir dir;
  std::string manifest = dir / "data.db";
  ProcessResult no_count = RunCrawlProgram({"cats", "--manifest", manifest}, 10);
  CHECK(no_count.exit_code == 2);
  CHECK(no_count.err.find("-n is missing") != std::string::npos);

  ProcessResult bad_size = RunCrawlProgram({"cats", "-n", "5", "--max-bytes", "lots", "--manifest", manifest}, 10);
  CHECK(bad_size.exit_code == 2);
  CHECK(bad_size.err.find("\"lots\"") != std::string::npos);

  ProcessResult bad_license =
      RunCrawlProgram({"cats", "--engine", "openverse", "-n", "5", "--license", "gpl", "--manifest", manifest}, 10);
  CHECK(bad_license.exit_code == 2);
  CHECK(bad_license.err.find("\"gpl\"") != std::string::npos);

  ProcessResult license_on_bing = RunCrawlProgram({"cats", "-n", "5", "--license", "by", "--manifest", manifest}, 10);
  CHECK(license_on_bing.exit_code == 2);
  CHECK(license_on_bing.err.find("--engine openverse or wikimedia") != std::string::npos);

  ProcessResult bad_url = RunCrawlProgram({"cats", "-n", "5", "--engine-url", "notaurl", "--manifest", manifest}, 10);
  CHECK(bad_url.exit_code == 2);
  CHECK(bad_url.err.find("invalid --engine-url \"notaurl\"") != std::string::npos);

  ProcessResult no_list = RunCrawlProgram({"--urls", dir / "missing.txt", "-n", "5", "--manifest", manifest}, 10);
  CHECK(no_list.exit_code == 1);
  CHECK(no_list.err.find("missing.txt") != std::string::npos);
  CHECK(no_list.out.find("short by 5: the run stopped on an error") != std::string::npos);
}

TEST_CASE("busy manifest is waited for") {
  MockCrawl mock({"--results", "10"});
  REQUIRE(mock.Crawl("moths", "openverse", 3).exit_code == 0);

  // Another program (curate, say) holds the write lock for 2 s while crawl tops up.
  std::string hold = "import sqlite3, sys, time\n"
                     "db = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
                     "db.execute('BEGIN IMMEDIATE')\n"
                     "print('LOCKED=1', flush=True)\n"
                     "time.sleep(2)\n"
                     "db.execute('COMMIT')\n"
                     "time.sleep(30)\n";
  BackgroundProcess writer({SystemPython(), "-c", hold, mock.manifest()});
  REQUIRE(writer.WaitForLine("LOCKED=") == "1");
  ProcessResult result = mock.Crawl("moths", "openverse", 10);
  INFO(result.err);
  CHECK(result.exit_code == 0);
  CHECK(mock.Count("status = 'stored'") == "10");
}

TEST_CASE("per-host limit caps concurrent downloads") {
  MockCrawl mock({"--results", "24", "--latency-ms", "150"});
  ProcessResult result = mock.Crawl("wasps", "openverse", 24, {"--jobs", "8", "--per-host", "3"});
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  CHECK(mock.Count("status = 'stored'") == "24");

  // Every image comes from the one mock host, so at most 3 run at once, and 3 did.
  CHECK(mock.MaxActiveImageRequests() == "3");
}

TEST_CASE("jobs limit caps concurrent downloads") {
  MockCrawl mock({"--results", "12", "--latency-ms", "150"});
  ProcessResult result = mock.Crawl("hornets", "openverse", 12, {"--jobs", "2", "--per-host", "8"});
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  CHECK(mock.MaxActiveImageRequests() == "2");
}
