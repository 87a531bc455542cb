// Lenient field access for engine JSON: a missing or mistyped field is "", never an
// exception, because one odd result must not lose the whole page.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace smallset {

// The string value of `key` in `object`, or "" when it is absent or not a string.
inline std::string JsonString(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace smallset
