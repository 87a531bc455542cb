#include "crawler/url.h"

#include <doctest/doctest.h>

using smallset::NormaliseUrl;
using smallset::ResolveUrl;

TEST_CASE("resolve follows RFC 3986 examples") {
  // The normal examples of RFC 3986, section 5.4.1.
  const std::string base = "http://a/b/c/d;p?q";
  const std::pair<const char*, const char*> cases[] = {
      {"g:h", "g:h"},          {"g", "http://a/b/c/g"},       {"./g", "http://a/b/c/g"},
      {"g/", "http://a/b/c/g/"}, {"/g", "http://a/g"},        {"//g", "http://g"},
      {"?y", "http://a/b/c/d;p?y"}, {"g?y", "http://a/b/c/g?y"}, {"#s", "http://a/b/c/d;p?q#s"},
      {"g#s", "http://a/b/c/g#s"}, {";x", "http://a/b/c/;x"}, {"", "http://a/b/c/d;p?q"},
      {".", "http://a/b/c/"},  {"./", "http://a/b/c/"},        {"..", "http://a/b/"},
      {"../", "http://a/b/"},  {"../g", "http://a/b/g"},       {"../..", "http://a/"},
      {"../../g", "http://a/g"}, {"../../../g", "http://a/g"}, {"/./g", "http://a/g"},
      {"g/../h", "http://a/b/c/h"},
  };
  for (const auto& [reference, expected] : cases) {
    CAPTURE(reference);
    CHECK(ResolveUrl(base, reference) == expected);
  }
}

TEST_CASE("resolve trims white space around references") {
  CHECK(ResolveUrl("http://h/gallery/sub/", "\n   pics/seven.jpg   ") == "http://h/gallery/sub/pics/seven.jpg");
}

TEST_CASE("relative base resolves against page") {
  std::string base = ResolveUrl("http://h:8/gallery/index.html", "sub/");
  CHECK(base == "http://h:8/gallery/sub/");
  CHECK(ResolveUrl(base, "../img/four.jpg") == "http://h:8/gallery/img/four.jpg");
  CHECK(ResolveUrl(base, "//h:8/img/three.jpg") == "http://h:8/img/three.jpg");
}

TEST_CASE("normal form encodes spaces and UTF-8 once") {
  CHECK(NormaliseUrl("http://h:1/img/caf\xC3\xA9 au lait.jpg") == "http://h:1/img/caf%C3%A9%20au%20lait.jpg");
  CHECK(NormaliseUrl("http://h:1/img/caf%C3%A9%20au%20lait.jpg") == "http://h:1/img/caf%C3%A9%20au%20lait.jpg");
  CHECK(NormaliseUrl("http://h/a%2fb%7e") == "http://h/a%2Fb~");
  CHECK(NormaliseUrl("http://h/100%") == "http://h/100%25");
}

TEST_CASE("normal form lower-cases and drops defaults") {
  CHECK(NormaliseUrl("HTTP://Example.COM:80/A/B?x=1&y=2#frag") == "http://example.com/A/B?x=1&y=2");
  CHECK(NormaliseUrl("https://example.com:443") == "https://example.com/");
  CHECK(NormaliseUrl("https://example.com:8443/x") == "https://example.com:8443/x");
  CHECK(NormaliseUrl("http://user:pw@example.com/x") == "http://example.com/x");
}

TEST_CASE("normal form rejects other schemes") {
  CHECK_FALSE(NormaliseUrl("data:image/gif;base64,R0lGOD").has_value());
  CHECK_FALSE(NormaliseUrl("javascript:void(0)").has_value());
  CHECK_FALSE(NormaliseUrl("mailto:nobody@example.invalid").has_value());
  CHECK_FALSE(NormaliseUrl("ftp://h/x.jpg").has_value());
  CHECK_FALSE(NormaliseUrl("/relative/x.jpg").has_value());
  CHECK_FALSE(NormaliseUrl("http://:80/x").has_value());
}

TEST_CASE("query parameter is decoded once") {
  std::string link = "http://h/imgres?imgurl=http%3A%2F%2Fh%3A9%2Fimg%2Fa%2520b.jpg&w=240";
  CHECK(smallset::QueryParameter(link, "imgurl") == "http://h:9/img/a%20b.jpg");
  CHECK(smallset::QueryParameter(link, "w") == "240");
  CHECK_FALSE(smallset::QueryParameter(link, "h").has_value());
}

TEST_CASE("host of IPv4 and IPv6 URLs") {
  CHECK(smallset::UrlHost("http://User@Example.com:8080/x") == "example.com");
  CHECK(smallset::UrlHost("http://[::1]:8080/x") == "::1");
  CHECK(smallset::UrlHost("/x").empty());
}
