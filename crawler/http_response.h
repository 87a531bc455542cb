// The outcome of one HTTP transfer, after redirects and retries.
#pragma once

#include <string>

namespace smallset {

struct HttpResponse {
  std::string url;           // as requested
  std::string final_url;     // after redirects
  long http_status = 0;      // 0 when no response arrived
  std::string content_type;  // as the server sent it, "" when absent
  std::string body;          // decoded when the request accepted compressed pages
  int attempts = 0;

  // Why the transfer failed, in the words the manifest records ("timeout", "too large",
  // "partial transfer", "HTTP 403"); "" for a 2xx response with its whole body.
  std::string error;
  // True when `error` is about the address or the content rather than the transfer
  // (too large, private address), so the candidate is "skipped", not "failed".
  bool error_is_skip = false;

  bool ok() const { return error.empty(); }
};

}  // namespace smallset
