#include <doctest/doctest.h>

#include "crawler/engine.h"

using smallset::HttpResponse;
using smallset::ResultPage;
using smallset::Status;

TEST_CASE("openverse records licence and creator") {
  auto engine = smallset::NewOpenverseEngine("red fox", "http://ov.test");
  CHECK(engine->NextPageUrl() == "http://ov.test/v1/images/?q=red%20fox&page=1&page_size=20");
  HttpResponse response;
  response.final_url = "http://ov.test/v1/images/";
  response.body = R"({"result_count":3,"page_count":2,"results":[
      {"url":"http://img.test/fox.jpg","foreign_landing_url":"http://flickr.test/1","creator":"Ann",
       "license":"by-sa","license_version":"4.0","title":"Fox"},
      {"url":"http://img.test/fox2.jpg","license":"cc0","license_version":"1.0"}]})";
  ResultPage page;
  REQUIRE(engine->ParsePage(response, &page).ok());
  REQUIRE(page.candidates.size() == 2);
  CHECK(page.candidates[0].url == "http://img.test/fox.jpg");
  CHECK(page.candidates[0].page_url == "http://flickr.test/1");
  CHECK(page.candidates[0].creator == "Ann");
  CHECK(page.candidates[0].license == "by-sa 4.0");
  CHECK(page.candidates[0].title == "Fox");
  CHECK(page.candidates[1].license == "cc0 1.0");
  CHECK_FALSE(page.last_page);
  CHECK(engine->NextPageUrl() == "http://ov.test/v1/images/?q=red%20fox&page=2&page_size=20");

  ResultPage second;
  REQUIRE(engine->ParsePage(response, &second).ok());
  CHECK(second.last_page);  // page 2 of page_count 2
}

TEST_CASE("openverse error body is not recognised") {
  auto engine = smallset::NewOpenverseEngine("q", "http://ov.test");
  engine->NextPageUrl();
  HttpResponse response;
  response.body = R"({"detail":"Authentication credentials were not provided."})";
  ResultPage page;
  CHECK(engine->ParsePage(response, &page).code() == Status::Code::kUnsupported);
}
