#include "contrib/local_engine/folder_index.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <set>

namespace smallset {
namespace {

bool IsDirectory(const std::string& path) {
  struct stat info;
  return stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

bool IsRegularFile(const std::string& path) {
  struct stat info;
  return stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

// Names in `folder`, sorted, without hidden entries ("." files, AppleDouble "._" files).
std::vector<std::string> ListVisible(const std::string& folder) {
  std::vector<std::string> names;
  DIR* dir = opendir(folder.c_str());
  if (dir == nullptr) return names;
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') names.push_back(entry->d_name);
  }
  closedir(dir);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

std::vector<std::string> Words(const std::string& text) {
  std::vector<std::string> words;
  std::string word;
  for (unsigned char c : text) {
    // Bytes >= 0x80 belong to UTF-8 letters, so they stay inside words.
    if (std::isalnum(c) || c >= 0x80) {
      word += static_cast<char>(std::tolower(c));
    } else if (!word.empty()) {
      words.push_back(word);
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(word);
  return words;
}

std::vector<std::string> FolderIndex::Classes() const {
  std::vector<std::string> classes;
  for (const std::string& name : ListVisible(root_)) {
    if (IsDirectory(root_ + "/" + name)) classes.push_back(name);
  }
  return classes;
}

std::string FolderIndex::ClassForQuery(const std::string& query,
                                       const std::map<std::string, std::string>& overrides) const {
  std::string lower;
  for (unsigned char c : query) lower += static_cast<char>(std::tolower(c));
  auto override_class = overrides.find(lower);
  if (override_class != overrides.end()) return override_class->second;

  std::vector<std::string> query_words = Words(query);
  std::set<std::string> query_set(query_words.begin(), query_words.end());
  std::string best;
  size_t best_words = 0;
  bool tie = false;
  for (const std::string& class_name : Classes()) {
    std::vector<std::string> class_words = Words(class_name);
    bool all_present = !class_words.empty() &&
                       std::all_of(class_words.begin(), class_words.end(),
                                   [&](const std::string& word) { return query_set.count(word) > 0; });
    if (!all_present) continue;
    if (class_words.size() > best_words) {
      best = class_name;
      best_words = class_words.size();
      tie = false;
    } else if (class_words.size() == best_words) {
      tie = true;
    }
  }
  return tie ? "" : best;
}

std::vector<std::string> FolderIndex::Images(const std::string& class_name) const {
  std::vector<std::string> files;
  std::string folder = root_ + "/" + class_name;
  for (const std::string& name : ListVisible(folder)) {
    if (IsRegularFile(folder + "/" + name)) files.push_back(name);
  }
  return files;
}

}  // namespace smallset
