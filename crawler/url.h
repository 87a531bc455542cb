// URL parsing, RFC 3986 reference resolution and the normal form that the manifest
// stores (candidates.url is UNIQUE on it).
//
// The normal form of an http(s) URL:
//   - scheme and host in lower case, the default port (80, 443) dropped, the fragment dropped;
//   - an empty path becomes "/";
//   - spaces, control characters, non-ASCII bytes (UTF-8) and characters that are never
//     valid in a URL are percent-encoded, while an existing "%xx" escape is kept, with its
//     hex digits in upper case, so nothing is encoded twice;
//   - "%xx" escapes of unreserved characters (letters, digits, "-._~") are decoded.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace smallset {

// The five components of RFC 3986, section 3. `authority` is "user@host:port".
struct UrlParts {
  std::string scheme;
  std::optional<std::string> authority;
  std::string path;
  std::optional<std::string> query;
  std::optional<std::string> fragment;
};

// Splits a URL reference into its components (never fails: a string without a scheme
// is a relative reference).
UrlParts SplitUrl(std::string_view reference);

// Joins components back into a string.
std::string JoinUrl(const UrlParts& parts);

// Resolves `reference` against the absolute URL `base` (RFC 3986, section 5.2), after
// trimming ASCII white space around the reference.
std::string ResolveUrl(std::string_view base, std::string_view reference);

// Returns the normal form of an absolute http or https URL, or nullopt for any other
// scheme (data:, javascript:, mailto:, ftp:), a relative reference or a URL without a host.
std::optional<std::string> NormaliseUrl(std::string_view url);

// Lower-case host of an absolute URL, without brackets for IPv6 literals; "" when none.
std::string UrlHost(std::string_view url);

// Decodes "%xx" escapes; with `plus_is_space`, also '+' (as in form-encoded queries).
std::string PercentDecode(std::string_view text, bool plus_is_space = false);

// Encodes everything but unreserved characters, for a query parameter value.
std::string EncodeQueryValue(std::string_view value);

// The first value of query parameter `name` in `url`, percent-decoded once.
std::optional<std::string> QueryParameter(std::string_view url, std::string_view name);

}  // namespace smallset
