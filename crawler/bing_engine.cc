// The bing engine: GET {base}/images/async?q=Q&first=F&count=35.
//
// A result page is recognised by the first of these layouts that it contains:
//   1. attribute JSON: `a.iusc` anchors whose `m` attribute contains an HTML-escaped JSON
//      object; `murl` is the full image, `purl` the source page, `turl` the thumbnail,
//      `t` the title. This is what bing serves today.
//   2. meta div: `div.rg_meta` elements whose text is an HTML-escaped JSON object with
//      `ou` (full image) and `tu` (thumbnail), served by older mirrors.
//   3. plain gallery: a `<main>` element with `<img>` elements or `/imgres?imgurl=` links.
//      Images whose class names a logo are site chrome, not results.
// A page with none of them, or a consent page (a form posting to a consent URL, or a
// redirect to one), is an error: scraping whatever images remain would return the
// site's logo as "results".
//
// Gumbo decodes the HTML entity layer of attributes and text once; nlohmann-json then
// decodes the JSON layer once. URLs are resolved against the final page URL and its
// <base href>.
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <cstring>

#include "common/log.h"
#include "crawler/engine.h"
#include "crawler/json_fields.h"
#include "crawler/html.h"
#include "crawler/url.h"

namespace smallset {
namespace {

constexpr int kPageSize = 35;

bool IsDataUri(std::string_view url) {
  size_t start = 0;
  while (start < url.size() && std::isspace(static_cast<unsigned char>(url[start]))) ++start;
  return url.size() - start >= 5 && strncasecmp(url.data() + start, "data:", 5) == 0;
}

// Document base: the final page URL, or its <base href> resolved against it.
std::string DocumentBase(const GumboNode* root, const std::string& page_url) {
  const GumboNode* base = FindFirst(root, GUMBO_TAG_BASE);
  const char* href = base ? Attribute(base, "href") : nullptr;
  return href ? ResolveUrl(page_url, href) : page_url;
}

bool IsConsentPage(const GumboNode* root, const std::string& final_url) {
  if (SplitUrl(final_url).path.find("consent") != std::string::npos) return true;
  bool consent_form = false;
  VisitElements(root, [&](const GumboNode* element) {
    const char* action = IsTag(element, GUMBO_TAG_FORM) ? Attribute(element, "action") : nullptr;
    if (action != nullptr && std::strstr(action, "consent") != nullptr) consent_form = true;
    return !consent_form;
  });
  return consent_form;
}

// Parses one JSON object taken from an attribute or a div; warns and returns false on
// malformed JSON (a truncated tile), so one broken tile does not lose the page.
bool ParseTileJson(const std::string& text, nlohmann::json* object) {
  *object = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (object->is_discarded() || !object->is_object()) {
    SMALLSET_LOG_WARN("bing: skipping a result whose JSON is malformed: %.80s", text.c_str());
    return false;
  }
  return true;
}

void ParseAttributeJson(const GumboNode* root, const std::string& base, std::vector<Candidate>* out) {
  VisitElements(root, [&](const GumboNode* element) {
    const char* m = IsTag(element, GUMBO_TAG_A) && HasClass(element, "iusc") ? Attribute(element, "m") : nullptr;
    if (m == nullptr) return true;
    nlohmann::json tile;
    if (!ParseTileJson(m, &tile)) return false;
    std::string image = JsonString(tile, "murl");
    if (image.empty()) return false;  // a tile without a full image (related searches)
    Candidate candidate;
    candidate.url = ResolveUrl(base, image);
    candidate.page_url = JsonString(tile, "purl");
    candidate.thumbnail_url = JsonString(tile, "turl");
    candidate.title = JsonString(tile, "t");
    out->push_back(std::move(candidate));
    return false;
  });
}

void ParseMetaDivs(const GumboNode* root, const std::string& base, std::vector<Candidate>* out) {
  VisitElements(root, [&](const GumboNode* element) {
    if (!IsTag(element, GUMBO_TAG_DIV) || !HasClass(element, "rg_meta")) return true;
    nlohmann::json tile;
    if (!ParseTileJson(TextContent(element), &tile)) return false;
    std::string image = JsonString(tile, "ou");
    if (image.empty() || IsDataUri(image)) return false;  // inline thumbnails are never fetched
    Candidate candidate;
    candidate.url = ResolveUrl(base, image);
    candidate.page_url = JsonString(tile, "ru");
    candidate.thumbnail_url = JsonString(tile, "tu");
    candidate.title = JsonString(tile, "pt");
    out->push_back(std::move(candidate));
    return false;
  });
}

// The largest entry of a srcset ("a.jpg 1x, b.jpg 2x" or "a.jpg 320w, b.jpg 640w").
std::string LargestSrcsetEntry(std::string_view srcset) {
  std::string best;
  double best_size = -1;
  while (!srcset.empty()) {
    size_t comma = srcset.find(',');
    std::string entry(srcset.substr(0, comma));
    srcset.remove_prefix(comma == std::string_view::npos ? srcset.size() : comma + 1);

    size_t start = entry.find_first_not_of(" \t\r\n");
    if (start == std::string::npos) continue;
    size_t end = entry.find_first_of(" \t\r\n", start);
    std::string url = entry.substr(start, end == std::string::npos ? std::string::npos : end - start);
    double size = 1;
    if (end != std::string::npos) {
      size_t descriptor = entry.find_first_not_of(" \t\r\n", end);
      if (descriptor != std::string::npos) size = std::atof(entry.c_str() + descriptor);
    }
    if (size > best_size) {
      best_size = size;
      best = url;
    }
  }
  return best;
}

// The full image an <img> stands for: the largest srcset entry, else a lazy-loading
// attribute (the `src` of a lazy image is a placeholder), else `src`.
std::string ImageSource(const GumboNode* img) {
  if (const char* srcset = Attribute(img, "srcset")) {
    std::string largest = LargestSrcsetEntry(srcset);
    if (!largest.empty()) return largest;
  }
  for (const char* lazy : {"data-src", "data-lazy-src", "data-original"}) {
    const char* value = Attribute(img, lazy);
    if (value != nullptr && !IsDataUri(value)) return value;
  }
  const char* src = Attribute(img, "src");
  return src != nullptr && !IsDataUri(src) ? src : "";
}

void ParseGallery(const GumboNode* main, const std::string& base, const std::string& page_url,
                  std::vector<Candidate>* out) {
  VisitElements(main, [&](const GumboNode* element) {
    if (IsTag(element, GUMBO_TAG_A)) {
      const char* href = Attribute(element, "href");
      if (href == nullptr) return true;
      std::optional<std::string> target = QueryParameter(ResolveUrl(base, href), "imgurl");
      if (!target) return true;
      Candidate candidate;
      candidate.url = ResolveUrl(base, *target);
      candidate.page_url = page_url;
      out->push_back(std::move(candidate));
      return false;  // the <img> inside an imgres link is its thumbnail
    }
    if (!IsTag(element, GUMBO_TAG_IMG)) return true;
    const char* classes = Attribute(element, "class");
    if (classes != nullptr && std::strstr(classes, "logo") != nullptr) return false;
    std::string source = ImageSource(element);
    if (source.empty()) return false;
    Candidate candidate;
    candidate.url = ResolveUrl(base, source);
    candidate.page_url = page_url;
    const char* alt = Attribute(element, "alt");
    if (alt != nullptr) candidate.title = alt;
    out->push_back(std::move(candidate));
    return false;
  });
}

class BingEngine : public Engine {
 public:
  BingEngine(std::string query, std::string base_url) : query_(std::move(query)), base_url_(std::move(base_url)) {}

  const char* name() const override { return "bing"; }

  std::string NextPageUrl() override {
    return base_url_ + "/images/async?q=" + EncodeQueryValue(query_) + "&first=" + std::to_string(page_ * kPageSize) +
           "&count=" + std::to_string(kPageSize);
  }

  Status ParsePage(const HttpResponse& response, ResultPage* page) override {
    ++page_;
    std::string page_url = response.final_url.empty() ? response.url : response.final_url;
    HtmlDocument document(response.body);
    const GumboNode* root = document.root();
    if (IsConsentPage(root, page_url)) {
      return Status::Unsupported("bing served a consent page (" + page_url + ") instead of results");
    }

    std::string base = DocumentBase(root, page_url);
    bool has_attribute_json = false, has_meta_div = false;
    VisitElements(root, [&](const GumboNode* element) {
      has_attribute_json |= IsTag(element, GUMBO_TAG_A) && HasClass(element, "iusc") && Attribute(element, "m");
      has_meta_div |= IsTag(element, GUMBO_TAG_DIV) && HasClass(element, "rg_meta");
      return true;
    });

    if (has_attribute_json) {
      ParseAttributeJson(root, base, &page->candidates);
    } else if (has_meta_div) {
      ParseMetaDivs(root, base, &page->candidates);
    } else if (const GumboNode* main = FindFirst(root, GUMBO_TAG_MAIN)) {
      ParseGallery(main, base, page_url, &page->candidates);
      page->last_page = true;  // a plain gallery has no paging
    }
    if (!has_attribute_json && !has_meta_div && page->candidates.empty()) {
      return Status::Unsupported("bing result page not recognised: it has no a.iusc results, no div.rg_meta "
                                 "results and no gallery in <main>; the engine may have changed its markup");
    }
    return Status::Ok();
  }

 private:
  std::string query_;
  std::string base_url_;
  int page_ = 0;
};

}  // namespace

std::unique_ptr<Engine> NewBingEngine(const std::string& query, const std::string& base_url) {
  return std::make_unique<BingEngine>(query, TrimTrailingSlash(base_url));
}

}  // namespace smallset
