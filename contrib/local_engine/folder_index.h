// The picture folders that the local engine serves, and how a query picks one.
//
// A root folder contains one subfolder per class ("with_glasses/", "without_glasses/"). A query
// selects the class whose name words all appear in the query: "actors with glasses" selects
// with_glasses but not without_glasses, because "without" is not a word of that query. When
// several classes match, the one with the most name words wins; a tie selects none.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace smallset {

class FolderIndex {
 public:
  explicit FolderIndex(std::string root) : root_(std::move(root)) {}

  // Class folder names under the root, sorted. Hidden folders are skipped.
  std::vector<std::string> Classes() const;

  // Returns the class for `query`, or "" when no class matches. `overrides` maps a whole
  // query (lower case) to a class name and takes precedence.
  std::string ClassForQuery(const std::string& query, const std::map<std::string, std::string>& overrides) const;

  // Image files of one class, sorted by name. The folder is listed again on every call, so
  // pictures added while the server runs appear in the next results.
  std::vector<std::string> Images(const std::string& class_name) const;

  const std::string& root() const { return root_; }

 private:
  std::string root_;
};

// Splits text into lower-case words at every character that is not a letter or digit.
std::vector<std::string> Words(const std::string& text);

}  // namespace smallset
