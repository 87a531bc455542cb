#include <doctest/doctest.h>

#include "crawler/engine.h"

using smallset::HttpResponse;
using smallset::ResultPage;
using smallset::Status;

namespace {
HttpResponse Response(const std::string& url, const std::string& body) {
  HttpResponse response;
  response.url = response.final_url = url;
  response.body = body;
  return response;
}
}  // namespace

TEST_CASE("duckduckgo reads the token then pages") {
  auto engine = smallset::NewDuckDuckGoEngine("blue cat", "http://ddg.test");
  CHECK(engine->NextPageUrl() == "http://ddg.test/?q=blue%20cat");
  ResultPage token_page;
  REQUIRE(engine->ParsePage(Response("http://ddg.test/", "<script>vqd=\"4-1234_ab\";</script>"), &token_page).ok());
  CHECK_FALSE(token_page.is_result_page);
  CHECK(token_page.candidates.empty());

  CHECK(engine->NextPageUrl() == "http://ddg.test/i.js?q=blue%20cat&o=json&vqd=4-1234_ab&s=0");
  ResultPage page;
  std::string body = R"({"results":[{"image":"http://img.test/a.jpg","url":"http://site.test/a","title":"A",
                          "width":640,"height":480},{"title":"no image"},{"image":"/b.jpg","url":"u","title":"B"}],
                          "next":"i.js?q=blue+cat&o=json&s=100&vqd=4-1234_ab"})";
  REQUIRE(engine->ParsePage(Response("http://ddg.test/i.js", body), &page).ok());
  REQUIRE(page.candidates.size() == 2);
  CHECK(page.candidates[0].url == "http://img.test/a.jpg");
  CHECK(page.candidates[0].page_url == "http://site.test/a");
  CHECK(page.candidates[0].title == "A");
  CHECK(page.candidates[1].url == "http://ddg.test/b.jpg");
  CHECK_FALSE(page.last_page);
  CHECK(engine->NextPageUrl() == "http://ddg.test/i.js?q=blue%20cat&o=json&vqd=4-1234_ab&s=100");

  ResultPage last;
  REQUIRE(engine->ParsePage(Response("http://ddg.test/i.js", R"({"results":[]})"), &last).ok());
  CHECK(last.last_page);
}

TEST_CASE("duckduckgo without token is an error") {
  auto engine = smallset::NewDuckDuckGoEngine("q", "http://ddg.test");
  engine->NextPageUrl();
  ResultPage page;
  Status status = engine->ParsePage(Response("http://ddg.test/", "<html>please verify you are human</html>"), &page);
  CHECK(status.code() == Status::Code::kUnsupported);
  CHECK(status.message().find("vqd") != std::string::npos);
}

TEST_CASE("duckduckgo non-JSON results are an error") {
  auto engine = smallset::NewDuckDuckGoEngine("q", "http://ddg.test");
  engine->NextPageUrl();
  ResultPage token_page, page;
  REQUIRE(engine->ParsePage(Response("http://ddg.test/", "vqd='7'"), &token_page).ok());
  engine->NextPageUrl();
  CHECK(engine->ParsePage(Response("http://ddg.test/i.js", "<html>blocked</html>"), &page).code() ==
        Status::Code::kUnsupported);
}
