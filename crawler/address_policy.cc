#include "crawler/address_policy.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

namespace smallset {
namespace {

bool IsPrivateIpv4(uint32_t host_order) {
  auto in = [&](uint32_t network, int prefix) {
    uint32_t mask = prefix == 0 ? 0 : ~0u << (32 - prefix);
    return (host_order & mask) == network;
  };
  return in(0x00000000, 8) ||   // 0.0.0.0/8 "this network"
         in(0x0A000000, 8) ||   // 10.0.0.0/8
         in(0x64400000, 10) ||  // 100.64.0.0/10 carrier-grade NAT
         in(0x7F000000, 8) ||   // 127.0.0.0/8 loopback
         in(0xA9FE0000, 16) ||  // 169.254.0.0/16 link-local and cloud metadata
         in(0xAC100000, 12) ||  // 172.16.0.0/12
         in(0xC0A80000, 16) ||  // 192.168.0.0/16
         in(0xE0000000, 4) ||   // 224.0.0.0/4 multicast
         in(0xF0000000, 4);     // 240.0.0.0/4 reserved and broadcast
}

}  // namespace

bool IsPrivateAddress(const sockaddr* address) {
  if (address->sa_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(address);
    return IsPrivateIpv4(ntohl(v4->sin_addr.s_addr));
  }
  if (address->sa_family != AF_INET6) return true;  // unknown families are not fetched

  const in6_addr& v6 = reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr;
  if (IN6_IS_ADDR_V4MAPPED(&v6) || IN6_IS_ADDR_V4COMPAT(&v6)) {
    uint32_t v4;
    std::memcpy(&v4, v6.s6_addr + 12, 4);
    return IsPrivateIpv4(ntohl(v4));
  }
  return IN6_IS_ADDR_LOOPBACK(&v6) || IN6_IS_ADDR_UNSPECIFIED(&v6) || IN6_IS_ADDR_LINKLOCAL(&v6) ||
         IN6_IS_ADDR_SITELOCAL(&v6) || IN6_IS_ADDR_MULTICAST(&v6) ||
         (v6.s6_addr[0] & 0xFE) == 0xFC;  // fc00::/7 unique local
}

std::string AddressText(const sockaddr* address) {
  char text[INET6_ADDRSTRLEN] = "";
  if (address->sa_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(address)->sin_addr, text, sizeof(text));
  } else if (address->sa_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr, text, sizeof(text));
  }
  return text;
}

}  // namespace smallset
