// HTTP(S) downloads through libcurl for pretrained weights.
#pragma once

#include <string>

#include "common/status.h"

namespace smallset {

// Downloads `url` into `path` (created or truncated), following redirects and showing a
// progress bar titled `title`. An HTTP status of 400 or more fails with NotFound for 404 and
// IoError otherwise; SIGINT or SIGTERM ends the transfer with Interrupted. On failure `path`
// may hold a partial file.
Status DownloadToFile(const std::string& url, const std::string& path, const std::string& title);

// Downloads `url` into memory without a progress bar; errors as DownloadToFile.
Status DownloadToString(const std::string& url, std::string* body);

}  // namespace smallset
