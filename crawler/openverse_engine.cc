// The openverse engine: GET {base}/v1/images/?q=Q&page=P&page_size=20 returns JSON
// `results[]` with `url`, `foreign_landing_url`, `creator`, `license`, `license_version`,
// `title`, and `page_count`.
#include <nlohmann/json.hpp>

#include "crawler/engine.h"
#include "crawler/json_fields.h"
#include "crawler/url.h"

namespace smallset {
namespace {

constexpr int kPageSize = 20;

class OpenverseEngine : public Engine {
 public:
  OpenverseEngine(std::string query, std::string base_url) : query_(std::move(query)), base_url_(std::move(base_url)) {}

  const char* name() const override { return "openverse"; }

  std::string NextPageUrl() override {
    return base_url_ + "/v1/images/?q=" + EncodeQueryValue(query_) + "&page=" + std::to_string(page_ + 1) +
           "&page_size=" + std::to_string(kPageSize);
  }

  Status ParsePage(const HttpResponse& response, ResultPage* page) override {
    ++page_;
    nlohmann::json data = nlohmann::json::parse(response.body, nullptr, false);
    if (data.is_discarded() || !data.is_object() || !data.contains("results") || !data["results"].is_array()) {
      return Status::Unsupported("openverse response not recognised: expected a JSON object with results[]");
    }
    for (const auto& result : data["results"]) {
      if (!result.is_object()) continue;
      std::string image = JsonString(result, "url");
      if (image.empty()) continue;
      Candidate candidate;
      candidate.url = ResolveUrl(response.final_url, image);
      candidate.page_url = JsonString(result, "foreign_landing_url");
      candidate.thumbnail_url = JsonString(result, "thumbnail");
      candidate.title = JsonString(result, "title");
      candidate.creator = JsonString(result, "creator");
      candidate.license = JsonString(result, "license");
      std::string version = JsonString(result, "license_version");
      if (!candidate.license.empty() && !version.empty()) candidate.license += " " + version;
      page->candidates.push_back(std::move(candidate));
    }
    auto page_count = data.find("page_count");
    bool past_last = page_count != data.end() && page_count->is_number() && page_ >= page_count->get<int>();
    page->last_page = data["results"].empty() || past_last;
    return Status::Ok();
  }

 private:
  std::string query_;
  std::string base_url_;
  int page_ = 0;
};

}  // namespace

std::unique_ptr<Engine> NewOpenverseEngine(const std::string& query, const std::string& base_url) {
  return std::make_unique<OpenverseEngine>(query, TrimTrailingSlash(base_url));
}

}  // namespace smallset
