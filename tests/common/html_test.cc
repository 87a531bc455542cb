#include "common/html.h"

#include <doctest/doctest.h>

TEST_CASE("html escape covers quotes and markup") {
  CHECK(smallset::HtmlEscape("a<b>&\"c'") == "a&lt;b&gt;&amp;&quot;c&#39;");
  CHECK(smallset::HtmlEscape("plain") == "plain");
}

TEST_CASE("base64 pads short groups") {
  CHECK(smallset::Base64Encode("") == "");
  CHECK(smallset::Base64Encode("f") == "Zg==");
  CHECK(smallset::Base64Encode("fo") == "Zm8=");
  CHECK(smallset::Base64Encode("foo") == "Zm9v");
  CHECK(smallset::Base64Encode(std::string("\xff\x00\x80", 3)) == "/wCA");
}
