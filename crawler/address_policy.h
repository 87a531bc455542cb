// Which resolved addresses a download may connect to. A crawler that runs on a server
// (a scheduled refresh) must not be steered by a search result or a redirect into
// fetching from that server's own network, so these are refused unless --allow-private:
// loopback, private (RFC 1918, IPv6 unique local), link-local (which includes the cloud
// metadata address 169.254.169.254), carrier-grade NAT, "this network" and multicast.
#pragma once

#include <sys/socket.h>

#include <string>

namespace smallset {

// True when the address is one of the kinds above. IPv4-mapped IPv6 addresses are
// judged by their IPv4 part.
bool IsPrivateAddress(const sockaddr* address);

// Numeric text of the address ("127.0.0.1", "::1").
std::string AddressText(const sockaddr* address);

}  // namespace smallset
