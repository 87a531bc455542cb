#include <doctest/doctest.h>

#include "crawler/engine.h"

using smallset::HttpResponse;
using smallset::ResultPage;
using smallset::Status;

TEST_CASE("wikimedia orders by index and continues") {
  auto engine = smallset::NewWikimediaEngine("owl", "http://wm.test");
  std::string first = engine->NextPageUrl();
  CHECK(first.find("http://wm.test/w/api.php?action=query&format=json&generator=search&gsrsearch=owl") == 0);
  CHECK(first.find("gsrnamespace=6") != std::string::npos);
  CHECK(first.find("gsroffset=0") != std::string::npos);
  CHECK(first.find("iiprop=url%7Csize%7Cmime%7Cextmetadata") != std::string::npos);

  HttpResponse response;
  response.final_url = first;
  response.body = R"({"batchcomplete":"","continue":{"gsroffset":2,"continue":"gsroffset||"},
    "query":{"pages":{
      "20":{"pageid":20,"ns":6,"title":"File:Owl B.jpg","index":2,"imageinfo":[{"url":"https://up.test/b.jpg",
            "descriptionurl":"https://wm.test/wiki/File:Owl_B.jpg","mime":"image/jpeg",
            "extmetadata":{"LicenseShortName":{"value":"CC0"},"Artist":{"value":"Bob"}}}]},
      "10":{"pageid":10,"ns":6,"title":"File:Owl A.jpg","index":1,"imageinfo":[{"url":"https://up.test/a.jpg",
            "descriptionurl":"https://wm.test/wiki/File:Owl_A.jpg","mime":"image/jpeg",
            "extmetadata":{"LicenseShortName":{"value":"CC BY-SA 4.0"},
                           "Artist":{"value":"<a href=\"//wm.test/wiki/User:Ann\">Ann</a>"}}}]},
      "30":{"pageid":30,"ns":6,"title":"File:Owl.pdf","index":3,"imageinfo":[{"url":"https://up.test/o.pdf",
            "mime":"application/pdf"}]}}}})";
  ResultPage page;
  REQUIRE(engine->ParsePage(response, &page).ok());
  REQUIRE(page.candidates.size() == 2);
  CHECK(page.candidates[0].url == "https://up.test/a.jpg");
  CHECK(page.candidates[0].title == "File:Owl A.jpg");
  CHECK(page.candidates[0].license == "CC BY-SA 4.0");
  CHECK(page.candidates[0].creator == "Ann");
  CHECK(page.candidates[0].page_url == "https://wm.test/wiki/File:Owl_A.jpg");
  CHECK(page.candidates[1].url == "https://up.test/b.jpg");
  CHECK_FALSE(page.last_page);
  CHECK(engine->NextPageUrl().find("gsroffset=2") != std::string::npos);

  response.body = R"({"batchcomplete":""})";
  ResultPage last;
  REQUIRE(engine->ParsePage(response, &last).ok());
  CHECK(last.candidates.empty());
  CHECK(last.last_page);
}

TEST_CASE("wikimedia error page is not recognised") {
  auto engine = smallset::NewWikimediaEngine("owl", "http://wm.test");
  engine->NextPageUrl();
  HttpResponse response;
  response.body = "<html><body>Wikimedia Error</body></html>";
  ResultPage page;
  CHECK(engine->ParsePage(response, &page).code() == Status::Code::kUnsupported);
}
