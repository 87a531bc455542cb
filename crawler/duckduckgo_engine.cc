// The duckduckgo engine. Paging needs a token: GET {base}/?q=Q returns a page with
// `vqd=...` in a script; then GET {base}/i.js?q=Q&o=json&vqd=T&s=OFFSET returns JSON
// `results[]` (`image`, `url`, `title`, `width`, `height`) and `next` while more pages exist.
#include <nlohmann/json.hpp>

#include <regex>

#include "crawler/engine.h"
#include "crawler/json_fields.h"
#include "crawler/url.h"

namespace smallset {
namespace {

class DuckDuckGoEngine : public Engine {
 public:
  DuckDuckGoEngine(std::string query, std::string base_url) : query_(std::move(query)), base_url_(std::move(base_url)) {}

  const char* name() const override { return "duckduckgo"; }

  std::string NextPageUrl() override {
    if (token_.empty()) return base_url_ + "/?q=" + EncodeQueryValue(query_);
    return base_url_ + "/i.js?q=" + EncodeQueryValue(query_) + "&o=json&vqd=" + EncodeQueryValue(token_) +
           "&s=" + std::to_string(offset_);
  }

  Status ParsePage(const HttpResponse& response, ResultPage* page) override {
    if (token_.empty()) return ParseTokenPage(response, page);

    nlohmann::json data = nlohmann::json::parse(response.body, nullptr, false);
    if (data.is_discarded() || !data.is_object() || !data.contains("results") || !data["results"].is_array()) {
      return Status::Unsupported("duckduckgo i.js response not recognised: expected a JSON object with results[]");
    }
    for (const auto& result : data["results"]) {
      if (!result.is_object()) continue;
      std::string image = JsonString(result, "image");
      if (image.empty()) continue;
      Candidate candidate;
      candidate.url = ResolveUrl(response.final_url, image);
      candidate.page_url = JsonString(result, "url");
      candidate.thumbnail_url = JsonString(result, "thumbnail");
      candidate.title = JsonString(result, "title");
      page->candidates.push_back(std::move(candidate));
    }
    offset_ += static_cast<int>(data["results"].size());

    // `next` is a relative URL whose `s` parameter is the next offset.
    std::string next = JsonString(data, "next");
    page->last_page = next.empty();
    if (std::optional<std::string> s = QueryParameter("x:/" + next, "s")) offset_ = std::atoi(s->c_str());
    return Status::Ok();
  }

 private:
  Status ParseTokenPage(const HttpResponse& response, ResultPage* page) {
    static const std::regex kToken(R"re(vqd\s*[=:]\s*["']?([0-9A-Za-z_-]+))re");
    std::smatch match;
    if (!std::regex_search(response.body, match, kToken)) {
      return Status::Unsupported("duckduckgo search page not recognised: it has no vqd token");
    }
    token_ = match[1];
    page->is_result_page = false;
    return Status::Ok();
  }

  std::string query_;
  std::string base_url_;
  std::string token_;
  int offset_ = 0;
};

}  // namespace

std::unique_ptr<Engine> NewDuckDuckGoEngine(const std::string& query, const std::string& base_url) {
  return std::make_unique<DuckDuckGoEngine>(query, TrimTrailingSlash(base_url));
}

}  // namespace smallset
