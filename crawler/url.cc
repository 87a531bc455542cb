#include "crawler/url.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace smallset {
namespace {

bool IsUnreserved(unsigned char c) { return std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~'; }

bool IsHexDigit(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  return std::tolower(static_cast<unsigned char>(c)) - 'a' + 10;
}

void AppendPercentEncoded(unsigned char c, std::string* out) {
  static const char kHex[] = "0123456789ABCDEF";
  *out += '%';
  *out += kHex[c >> 4];
  *out += kHex[c & 15];
}

std::string ToLower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

std::string_view TrimAsciiWhitespace(std::string_view text) {
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; };
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

// RFC 3986, section 5.2.4.
std::string RemoveDotSegments(std::string input) {
  std::string output;
  while (!input.empty()) {
    if (input.rfind("../", 0) == 0) {
      input.erase(0, 3);
    } else if (input.rfind("./", 0) == 0) {
      input.erase(0, 2);
    } else if (input.rfind("/./", 0) == 0) {
      input.replace(0, 3, "/");
    } else if (input == "/.") {
      input = "/";
    } else if (input.rfind("/../", 0) == 0 || input == "/..") {
      input = input.size() == 3 ? "/" : input.substr(3);
      size_t last = output.rfind('/');
      output.erase(last == std::string::npos ? 0 : last);
    } else if (input == "." || input == "..") {
      input.clear();
    } else {
      size_t next = input.find('/', input[0] == '/' ? 1 : 0);
      if (next == std::string::npos) next = input.size();
      output += input.substr(0, next);
      input.erase(0, next);
    }
  }
  return output;
}

// RFC 3986, section 5.2.3.
std::string MergePaths(const UrlParts& base, const std::string& reference_path) {
  if (base.authority && base.path.empty()) return "/" + reference_path;
  size_t last = base.path.rfind('/');
  if (last == std::string::npos) return reference_path;
  return base.path.substr(0, last + 1) + reference_path;
}

// Percent-encodes what may not appear raw in `component`, keeping valid "%xx" escapes
// (hex in upper case) and decoding escapes of unreserved characters.
std::string CanonicalEscapes(std::string_view component, std::string_view allowed_raw) {
  std::string out;
  out.reserve(component.size());
  for (size_t i = 0; i < component.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(component[i]);
    if (c == '%' && i + 2 < component.size() && IsHexDigit(component[i + 1]) && IsHexDigit(component[i + 2])) {
      unsigned char decoded = static_cast<unsigned char>(HexValue(component[i + 1]) * 16 + HexValue(component[i + 2]));
      if (IsUnreserved(decoded)) {
        out += static_cast<char>(decoded);
      } else {
        out += '%';
        out += static_cast<char>(std::toupper(static_cast<unsigned char>(component[i + 1])));
        out += static_cast<char>(std::toupper(static_cast<unsigned char>(component[i + 2])));
      }
      i += 2;
      continue;
    }
    bool raw_ok = IsUnreserved(c) || (c < 0x80 && c > 0x20 && allowed_raw.find(static_cast<char>(c)) != std::string_view::npos);
    if (raw_ok) {
      out += static_cast<char>(c);
    } else {
      AppendPercentEncoded(c, &out);
    }
  }
  return out;
}

// Sub-delimiters and the characters RFC 3986 allows in a path segment or a query.
constexpr std::string_view kPathRaw = "!$&'()*+,;=:@/";
constexpr std::string_view kQueryRaw = "!$&'()*+,;=:@/?";

}  // namespace

UrlParts SplitUrl(std::string_view reference) {
  UrlParts parts;
  std::string_view rest = reference;

  // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"
  size_t colon = rest.find(':');
  if (colon != std::string_view::npos && colon > 0 && std::isalpha(static_cast<unsigned char>(rest[0]))) {
    bool valid = std::all_of(rest.begin(), rest.begin() + colon, [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
    });
    if (valid && rest.substr(0, colon).find_first_of("/?#") == std::string_view::npos) {
      parts.scheme = std::string(rest.substr(0, colon));
      rest.remove_prefix(colon + 1);
    }
  }

  size_t hash = rest.find('#');
  if (hash != std::string_view::npos) {
    parts.fragment = std::string(rest.substr(hash + 1));
    rest = rest.substr(0, hash);
  }
  size_t question = rest.find('?');
  if (question != std::string_view::npos) {
    parts.query = std::string(rest.substr(question + 1));
    rest = rest.substr(0, question);
  }
  if (rest.rfind("//", 0) == 0) {
    rest.remove_prefix(2);
    size_t slash = rest.find('/');
    if (slash == std::string_view::npos) slash = rest.size();
    parts.authority = std::string(rest.substr(0, slash));
    rest.remove_prefix(slash);
  }
  parts.path = std::string(rest);
  return parts;
}

std::string JoinUrl(const UrlParts& parts) {
  std::string out;
  if (!parts.scheme.empty()) out += parts.scheme + ":";
  if (parts.authority) out += "//" + *parts.authority;
  out += parts.path;
  if (parts.query) out += "?" + *parts.query;
  if (parts.fragment) out += "#" + *parts.fragment;
  return out;
}

std::string ResolveUrl(std::string_view base_url, std::string_view reference_text) {
  UrlParts reference = SplitUrl(TrimAsciiWhitespace(reference_text));
  UrlParts base = SplitUrl(base_url);
  UrlParts target;

  if (!reference.scheme.empty()) {
    target = reference;
    target.path = RemoveDotSegments(reference.path);
  } else {
    target.scheme = base.scheme;
    if (reference.authority) {
      target.authority = reference.authority;
      target.path = RemoveDotSegments(reference.path);
      target.query = reference.query;
    } else {
      target.authority = base.authority;
      if (reference.path.empty()) {
        target.path = base.path;
        target.query = reference.query ? reference.query : base.query;
      } else {
        target.path = reference.path[0] == '/' ? RemoveDotSegments(reference.path)
                                               : RemoveDotSegments(MergePaths(base, reference.path));
        target.query = reference.query;
      }
    }
  }
  target.fragment = reference.fragment;
  return JoinUrl(target);
}

std::optional<std::string> NormaliseUrl(std::string_view url) {
  UrlParts parts = SplitUrl(TrimAsciiWhitespace(url));
  std::string scheme = ToLower(parts.scheme);
  if ((scheme != "http" && scheme != "https") || !parts.authority) return std::nullopt;

  // Authority: drop user info, lower-case the host, drop the default port.
  std::string authority = *parts.authority;
  size_t at = authority.rfind('@');
  if (at != std::string::npos) authority.erase(0, at + 1);
  std::string host = authority;
  std::string port;
  size_t port_colon = authority.rfind(':');
  size_t bracket = authority.rfind(']');
  if (port_colon != std::string::npos && (bracket == std::string::npos || port_colon > bracket)) {
    host = authority.substr(0, port_colon);
    port = authority.substr(port_colon + 1);
  }
  if (!std::all_of(port.begin(), port.end(), [](unsigned char c) { return std::isdigit(c); })) return std::nullopt;
  host = ToLower(host);
  if (host.empty()) return std::nullopt;
  if ((scheme == "http" && port == "80") || (scheme == "https" && port == "443")) port.clear();

  UrlParts normal;
  normal.scheme = scheme;
  normal.authority = CanonicalEscapes(host, "[]:") + (port.empty() ? "" : ":" + port);
  normal.path = parts.path.empty() ? "/" : CanonicalEscapes(parts.path, kPathRaw);
  if (parts.query) normal.query = CanonicalEscapes(*parts.query, kQueryRaw);
  return JoinUrl(normal);
}

std::string UrlHost(std::string_view url) {
  UrlParts parts = SplitUrl(url);
  if (!parts.authority) return "";
  std::string authority = *parts.authority;
  size_t at = authority.rfind('@');
  if (at != std::string::npos) authority.erase(0, at + 1);
  if (!authority.empty() && authority[0] == '[') {
    size_t close = authority.find(']');
    return ToLower(authority.substr(1, close == std::string::npos ? std::string::npos : close - 1));
  }
  return ToLower(authority.substr(0, authority.find(':')));
}

std::string PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && IsHexDigit(text[i + 1]) && IsHexDigit(text[i + 2])) {
      out += static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2]));
      i += 2;
    } else if (plus_is_space && text[i] == '+') {
      out += ' ';
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string EncodeQueryValue(std::string_view value) {
  std::string out;
  for (unsigned char c : value) {
    if (IsUnreserved(c)) {
      out += static_cast<char>(c);
    } else {
      AppendPercentEncoded(c, &out);
    }
  }
  return out;
}

std::optional<std::string> QueryParameter(std::string_view url, std::string_view name) {
  UrlParts parts = SplitUrl(url);
  if (!parts.query) return std::nullopt;
  std::string_view query = *parts.query;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    size_t equals = pair.find('=');
    if (PercentDecode(pair.substr(0, equals), true) == name) {
      return equals == std::string_view::npos ? std::string() : PercentDecode(pair.substr(equals + 1), true);
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

}  // namespace smallset
