#include "crawler/option_values.h"

#include <doctest/doctest.h>

#include "crawler/address_policy.h"
#include "crawler/engine.h"

#include <arpa/inet.h>
#include <netinet/in.h>

using smallset::ParseByteSize;

TEST_CASE("byte sizes with units") {
  int64_t bytes = 0;
  REQUIRE(ParseByteSize("20MiB", &bytes).ok());
  CHECK(bytes == 20 * 1024 * 1024);
  REQUIRE(ParseByteSize("500KB", &bytes).ok());
  CHECK(bytes == 500000);
  REQUIRE(ParseByteSize("1000", &bytes).ok());
  CHECK(bytes == 1000);
  smallset::Status bad = ParseByteSize("20 parsecs", &bytes);
  CHECK_FALSE(bad.ok());
  CHECK(bad.message().find("20 parsecs") != std::string::npos);
  CHECK_FALSE(ParseByteSize("-5MB", &bytes).ok());
}

TEST_CASE("label slug of a query") {
  CHECK(smallset::LabelSlug("Actors with Glasses!") == "actors-with-glasses");
  CHECK(smallset::LabelSlug("  --  ") == "query");
  CHECK(smallset::LabelSlug("caf\xC3\xA9 cr\xC3\xA8me") == "caf\xC3\xA9-cr\xC3\xA8me");
}

TEST_CASE("licence list and codes") {
  std::vector<std::string> codes;
  REQUIRE(smallset::ParseLicenseList("cc0, BY,by-sa", &codes).ok());
  CHECK(codes == std::vector<std::string>{"cc0", "by", "by-sa"});
  CHECK_FALSE(smallset::ParseLicenseList("gpl", &codes).ok());
  CHECK(smallset::LicenseCode("by-sa 4.0") == "by-sa");
  CHECK(smallset::LicenseCode("CC BY-SA 4.0") == "by-sa");
  CHECK(smallset::LicenseCode("CC0") == "cc0");
  CHECK(smallset::LicenseCode("Public domain") == "pdm");
  CHECK(smallset::LicenseCode("").empty());
}

namespace {
bool PrivateV4(const char* text) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  inet_pton(AF_INET, text, &address.sin_addr);
  return smallset::IsPrivateAddress(reinterpret_cast<sockaddr*>(&address));
}
bool PrivateV6(const char* text) {
  sockaddr_in6 address{};
  address.sin6_family = AF_INET6;
  inet_pton(AF_INET6, text, &address.sin6_addr);
  return smallset::IsPrivateAddress(reinterpret_cast<sockaddr*>(&address));
}
}  // namespace

TEST_CASE("private addresses are recognised") {
  for (const char* address : {"127.0.0.1", "127.0.0.3", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1",
                              "169.254.169.254", "0.0.0.0", "100.64.0.1"}) {
    CAPTURE(address);
    CHECK(PrivateV4(address));
  }
  for (const char* address : {"8.8.8.8", "172.32.0.1", "93.184.216.34", "192.169.0.1"}) {
    CAPTURE(address);
    CHECK_FALSE(PrivateV4(address));
  }
  CHECK(PrivateV6("::1"));
  CHECK(PrivateV6("fe80::1"));
  CHECK(PrivateV6("fd00::1"));
  CHECK(PrivateV6("::ffff:127.0.0.1"));
  CHECK(PrivateV6("::ffff:169.254.169.254"));
  CHECK_FALSE(PrivateV6("2001:4860:4860::8888"));
}
