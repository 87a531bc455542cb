// The "urls" engine: candidates from a file of URLs, one per line. Blank lines and
// lines starting with '#' are ignored. The whole file is one result page.
#include <fstream>

#include "common/log.h"
#include "crawler/engine.h"

namespace smallset {
namespace {

class UrlListEngine : public Engine {
 public:
  explicit UrlListEngine(std::vector<std::string> urls) : urls_(std::move(urls)) {}

  const char* name() const override { return "urls"; }

  std::string NextPageUrl() override { return ""; }

  Status ParsePage(const HttpResponse&, ResultPage* page) override {
    for (const std::string& url : urls_) {
      Candidate candidate;
      candidate.url = url;
      page->candidates.push_back(std::move(candidate));
    }
    urls_.clear();
    page->last_page = true;
    return Status::Ok();
  }

 private:
  std::vector<std::string> urls_;
};

}  // namespace

Status NewUrlListEngine(const std::string& path, std::unique_ptr<Engine>* out) {
  std::ifstream file(path);
  if (!file) return Status::NotFound("cannot read the URL list " + path + ": check the path given to --urls");
  std::vector<std::string> urls;
  std::string line;
  while (std::getline(file, line)) {
    size_t start = line.find_first_not_of(" \t\r");
    if (start == std::string::npos || line[start] == '#') continue;
    size_t end = line.find_last_not_of(" \t\r");
    urls.push_back(line.substr(start, end - start + 1));
  }
  SMALLSET_LOG_INFO("read %zu URLs from %s", urls.size(), path.c_str());
  *out = std::make_unique<UrlListEngine>(std::move(urls));
  return Status::Ok();
}

}  // namespace smallset
