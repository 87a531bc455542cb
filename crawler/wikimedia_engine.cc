// The wikimedia engine: the Commons API with a file-namespace search as generator,
//   GET {base}/w/api.php?action=query&format=json&generator=search&gsrsearch=Q
//       &gsrnamespace=6&gsrlimit=50&gsroffset=O&prop=imageinfo&iiprop=url|size|mime|extmetadata
// `query.pages` maps page ids to pages whose `index` gives the search order and whose
// `imageinfo[0]` holds `url`, `descriptionurl`, `mime` and `extmetadata` (LicenseShortName,
// Artist, ObjectName). `continue.gsroffset` is the next offset; without it the search ended.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <regex>

#include "crawler/engine.h"
#include "crawler/json_fields.h"
#include "crawler/url.h"

namespace smallset {
namespace {

constexpr int kPageSize = 50;

// extmetadata fields are {"value": "...", "source": ...}; Artist is an HTML fragment.
std::string MetadataText(const nlohmann::json& extmetadata, const char* key) {
  auto field = extmetadata.find(key);
  if (field == extmetadata.end() || !field->is_object()) return "";
  static const std::regex kTag("<[^>]*>");
  return std::regex_replace(JsonString(*field, "value"), kTag, "");
}

class WikimediaEngine : public Engine {
 public:
  WikimediaEngine(std::string query, std::string base_url) : query_(std::move(query)), base_url_(std::move(base_url)) {}

  const char* name() const override { return "wikimedia"; }

  std::string NextPageUrl() override {
    return base_url_ + "/w/api.php?action=query&format=json&generator=search&gsrsearch=" + EncodeQueryValue(query_) +
           "&gsrnamespace=6&gsrlimit=" + std::to_string(kPageSize) + "&gsroffset=" + std::to_string(offset_) +
           "&prop=imageinfo&iiprop=" + EncodeQueryValue("url|size|mime|extmetadata");
  }

  Status ParsePage(const HttpResponse& response, ResultPage* page) override {
    nlohmann::json data = nlohmann::json::parse(response.body, nullptr, false);
    bool known = data.is_object() && (data.contains("query") || data.contains("batchcomplete"));
    if (data.is_discarded() || !known) {
      return Status::Unsupported("wikimedia response not recognised: expected a JSON object with query or batchcomplete");
    }

    std::vector<std::pair<int, Candidate>> ordered;
    const nlohmann::json* pages = nullptr;
    if (data.contains("query") && data["query"].is_object() && data["query"].contains("pages")) {
      pages = &data["query"]["pages"];
    }
    if (pages != nullptr) {
      for (const auto& item : pages->items()) AddPage(item.value(), response.final_url, &ordered);
    }
    std::stable_sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& entry : ordered) page->candidates.push_back(std::move(entry.second));

    auto next = data.find("continue");
    if (next != data.end() && next->is_object() && next->contains("gsroffset") && (*next)["gsroffset"].is_number()) {
      offset_ = (*next)["gsroffset"].get<int>();
    } else {
      page->last_page = true;
    }
    return Status::Ok();
  }

 private:
  static void AddPage(const nlohmann::json& item, const std::string& base, std::vector<std::pair<int, Candidate>>* out) {
    if (!item.is_object() || !item.contains("imageinfo") || !item["imageinfo"].is_array() || item["imageinfo"].empty()) {
      return;
    }
    const nlohmann::json& info = item["imageinfo"][0];
    std::string mime = JsonString(info, "mime");
    if (!mime.empty() && mime.rfind("image/", 0) != 0) return;  // PDFs, videos and sounds share the namespace
    std::string image = JsonString(info, "url");
    if (image.empty()) return;

    Candidate candidate;
    candidate.url = ResolveUrl(base, image);
    candidate.page_url = JsonString(info, "descriptionurl");
    candidate.title = JsonString(item, "title");
    if (info.contains("extmetadata") && info["extmetadata"].is_object()) {
      candidate.license = MetadataText(info["extmetadata"], "LicenseShortName");
      candidate.creator = MetadataText(info["extmetadata"], "Artist");
    }
    int index = item.contains("index") && item["index"].is_number() ? item["index"].get<int>() : 0;
    out->emplace_back(index, std::move(candidate));
  }

  std::string query_;
  std::string base_url_;
  int offset_ = 0;
};

}  // namespace

std::unique_ptr<Engine> NewWikimediaEngine(const std::string& query, const std::string& base_url) {
  return std::make_unique<WikimediaEngine>(query, TrimTrailingSlash(base_url));
}

}  // namespace smallset
