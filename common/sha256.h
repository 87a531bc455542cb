// SHA-256 through OpenSSL's libcrypto.
#pragma once

#include <string>
#include <string_view>

namespace smallset {

// Returns the lower-case hex SHA-256 of `bytes`.
std::string Sha256Hex(std::string_view bytes);

}  // namespace smallset
