#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "crawler/engine.h"
#include "tests/support/test_support.h"

using smallset::Candidate;
using smallset::HttpResponse;
using smallset::ResultPage;
using smallset::Status;

namespace {

// Parses `html` as the first bing page for "q", as if served from `final_url`.
Status ParseBing(const std::string& html, const std::string& final_url, ResultPage* page) {
  auto engine = smallset::NewBingEngine("q", "http://search.test");
  engine->NextPageUrl();
  HttpResponse response;
  response.url = final_url;
  response.final_url = final_url;
  response.body = html;
  return engine->ParsePage(response, page);
}

std::vector<std::string> Urls(const ResultPage& page) {
  std::vector<std::string> urls;
  for (const Candidate& candidate : page.candidates) urls.push_back(candidate.url);
  return urls;
}

// A fixture page with its PORT placeholder set to 8000, as the fixture server does.
std::string FixturePage(const std::string& shared, const std::string& name) {
  std::string html = smallset::testing::ReadTextFile(shared + "/cases/crawl/pages/" + name);
  for (size_t at; (at = html.find("127.0.0.1:PORT")) != std::string::npos;) html.replace(at, 14, "127.0.0.1:8000");
  for (size_t at; (at = html.find("127.0.0.1%3APORT")) != std::string::npos;) html.replace(at, 16, "127.0.0.1%3A8000");
  return html;
}

}  // namespace

TEST_CASE("bing page URL pages by 35") {
  auto engine = smallset::NewBingEngine("red cars", "http://search.test/");
  CHECK(engine->NextPageUrl() == "http://search.test/images/async?q=red%20cars&first=0&count=35");
  ResultPage page;
  HttpResponse response;
  response.body = "<a class=iusc m='{\"murl\":\"http://x/a.jpg\"}'></a>";
  REQUIRE(engine->ParsePage(response, &page).ok());
  CHECK(engine->NextPageUrl() == "http://search.test/images/async?q=red%20cars&first=35&count=35");
}

TEST_CASE("bing decodes entities then JSON once") {
  // &amp;quot; is an entity for the text "&quot;", which must survive as text.
  std::string html =
      "<a class=\"iusc\" m=\"{&quot;murl&quot;:&quot;http:\\/\\/h\\/a.jpg?x=1&amp;y=caf\\u00e9&quot;,"
      "&quot;t&quot;:&quot;say &amp;quot;hi&amp;quot;&quot;}\"><img src=\"/th/1.jpg\"></a>";
  ResultPage page;
  REQUIRE(ParseBing(html, "http://search.test/images/async?q=q", &page).ok());
  REQUIRE(page.candidates.size() == 1);
  CHECK(page.candidates[0].url == "http://h/a.jpg?x=1&y=caf\xC3\xA9");
  CHECK(page.candidates[0].title == "say &quot;hi&quot;");
}

TEST_CASE("bing page without results is an error") {
  ResultPage page;
  Status status = ParseBing("<html><body><header><img src=/logo.png class=logo></header><div class=grid></div>"
                            "</body></html>",
                            "http://search.test/images/async?q=q", &page);
  CHECK(status.code() == Status::Code::kUnsupported);
  CHECK(status.message().find("not recognised") != std::string::npos);
  CHECK(page.candidates.empty());
}

TEST_CASE("bing attribute JSON fixture page") {
  SMALLSET_REQUIRE_SHARED(shared);
  ResultPage page;
  REQUIRE(ParseBing(FixturePage(shared, "attrjson_p1.html"), "http://127.0.0.1:8000/images/async?q=shapes", &page).ok());
  // Tile 5 repeats tile 1 (deduplicated later, by normal form); tile 6 has no murl and
  // tile 7 is truncated JSON: both are left out.
  std::vector<std::string> expected = {
      "http://127.0.0.1:8000/img/red_circle.jpg", "http://127.0.0.1:8000/img/blue_square.png?w=640&h=480",
      "http://127.0.0.1:8000/img/green_triangle.jpg", "http://127.0.0.1:8000/img/caf\xC3\xA9 au lait.jpg",
      "http://127.0.0.1:8000/img/red_circle.jpg"};
  CHECK(Urls(page) == expected);
  CHECK(page.candidates[0].thumbnail_url == "http://127.0.0.1:8000/th/1.jpg");
  CHECK(page.candidates[0].page_url == "http://127.0.0.1:8000/pages/source.html");
  CHECK(page.candidates[0].title == "red circle");
}

TEST_CASE("bing meta-div fixture page") {
  SMALLSET_REQUIRE_SHARED(shared);
  ResultPage page;
  REQUIRE(ParseBing(FixturePage(shared, "metadiv_with_data_uris.html"), "http://127.0.0.1:8000/images/async?q=m",
                    &page)
              .ok());
  std::vector<std::string> expected = {
      "http://127.0.0.1:8000/img/violet_wave.jpg", "http://127.0.0.1:8000/img/amber_grid.jpg?size=l&v=2",
      "http://127.0.0.1:8000/img/proto_rel.jpg",   "http://127.0.0.1:8000/img/olive_dots.jpg",
      "http://127.0.0.1:8000/img/navy_bars.jpg?a=1&b=2", "http://127.0.0.1:8000/img/violet_wave.jpg"};
  CHECK(Urls(page) == expected);
  for (const Candidate& candidate : page.candidates) CHECK(candidate.url.find("data:") == std::string::npos);
}

TEST_CASE("bing plain gallery fixture page") {
  SMALLSET_REQUIRE_SHARED(shared);
  ResultPage page;
  REQUIRE(ParseBing(FixturePage(shared, "generic_relative.html"), "http://127.0.0.1:8000/gallery/index.html", &page)
              .ok());
  auto expected_json = nlohmann::json::parse(
      smallset::testing::ReadTextFile(shared + "/cases/crawl/expected/expected.json"));
  std::vector<std::string> expected;
  for (const auto& candidate : expected_json["generic_relative.html"]["candidates_in_order"]) {
    std::string url = candidate["url"];
    url.replace(url.find("PORT"), 4, "8000");
    expected.push_back(url);
  }
  // The page repeats one.jpg (with a fragment) and two.jpg; the crawl drops those by normal form.
  std::vector<std::string> urls = Urls(page);
  REQUIRE(urls.size() == 10);
  CHECK(std::vector<std::string>(urls.begin(), urls.begin() + 8) == expected);
  CHECK(urls[8] == "http://127.0.0.1:8000/gallery/sub/pics/one.jpg#zoom");
  CHECK(page.last_page);
}

TEST_CASE("bing changed markup and consent are errors") {
  SMALLSET_REQUIRE_SHARED(shared);
  ResultPage changed;
  Status status = ParseBing(FixturePage(shared, "format_changed.html"), "http://127.0.0.1:8000/images/async?q=changed",
                            &changed);
  CHECK(status.code() == Status::Code::kUnsupported);
  CHECK(changed.candidates.empty());

  ResultPage consent;
  status = ParseBing(FixturePage(shared, "consent_interstitial.html"), "http://127.0.0.1:8000/consent?continue=x",
                     &consent);
  CHECK(status.code() == Status::Code::kUnsupported);
  CHECK(status.message().find("consent") != std::string::npos);
  CHECK(consent.candidates.empty());
}
