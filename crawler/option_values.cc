#include "crawler/option_values.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace smallset {

Status ParseByteSize(const std::string& text, int64_t* bytes) {
  char* end = nullptr;
  double number = std::strtod(text.c_str(), &end);
  std::string unit(end);
  unit.erase(std::remove(unit.begin(), unit.end(), ' '), unit.end());
  std::string lower;
  for (unsigned char c : unit) lower += static_cast<char>(std::tolower(c));

  double scale;
  if (lower.empty() || lower == "b") {
    scale = 1;
  } else if (lower == "kb") {
    scale = 1e3;
  } else if (lower == "mb") {
    scale = 1e6;
  } else if (lower == "gb") {
    scale = 1e9;
  } else if (lower == "k" || lower == "kib") {
    scale = 1024.0;
  } else if (lower == "m" || lower == "mib") {
    scale = 1024.0 * 1024;
  } else if (lower == "g" || lower == "gib") {
    scale = 1024.0 * 1024 * 1024;
  } else {
    scale = -1;
  }
  if (end == text.c_str() || scale < 0 || number <= 0) {
    return Status::InvalidArgument("invalid size \"" + text + "\": give a positive number with an optional unit, "
                                   "such as 20MiB, 500KB or 1000000");
  }
  *bytes = static_cast<int64_t>(number * scale);
  return Status::Ok();
}

std::string LabelSlug(const std::string& query) {
  std::string slug;
  bool dash = false;
  for (unsigned char c : query) {
    if (std::isalnum(c) || c >= 0x80) {
      if (dash && !slug.empty()) slug += '-';
      dash = false;
      slug += static_cast<char>(std::tolower(c));
    } else {
      dash = true;
    }
  }
  return slug.empty() ? "query" : slug;
}

Status ParseLicenseList(const std::string& text, std::vector<std::string>* codes) {
  static const std::vector<std::string> kKnown = {"cc0", "pdm", "by", "by-sa", "by-nd", "by-nc", "by-nc-sa", "by-nc-nd"};
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    std::string code;
    for (size_t i = start; i < comma; ++i) {
      if (!std::isspace(static_cast<unsigned char>(text[i]))) code += static_cast<char>(std::tolower(text[i]));
    }
    start = comma + 1;
    if (code.empty()) continue;
    if (std::find(kKnown.begin(), kKnown.end(), code) == kKnown.end()) {
      return Status::InvalidArgument("unknown licence \"" + code +
                                     "\" in --license: use cc0, pdm, by, by-sa, by-nd, by-nc, by-nc-sa or by-nc-nd");
    }
    codes->push_back(code);
  }
  return Status::Ok();
}

}  // namespace smallset
