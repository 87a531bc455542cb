// Text helpers for the self-contained HTML and SVG that curate, train and local-engine write.
#pragma once

#include <string>
#include <string_view>

namespace smallset {

// Escapes &, <, >, " and ' so that `text` is safe in HTML text and quoted attributes.
std::string HtmlEscape(std::string_view text);

// Standard Base64 (RFC 4648, with padding), for data: URIs.
std::string Base64Encode(std::string_view bytes);

}  // namespace smallset
