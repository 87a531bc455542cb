// A thin owner of a Gumbo parse tree and the few queries the engines need. Gumbo
// decodes character references in attribute values and text, so the HTML entity layer
// is decoded exactly once, here.
#pragma once

#include <gumbo.h>

#include <functional>
#include <string>
#include <string_view>

namespace smallset {

class HtmlDocument {
 public:
  explicit HtmlDocument(std::string_view html);
  ~HtmlDocument();
  HtmlDocument(const HtmlDocument&) = delete;
  HtmlDocument& operator=(const HtmlDocument&) = delete;

  const GumboNode* root() const { return output_->root; }

 private:
  GumboOutput* output_;
};

// Calls `visit` for each element under `node` (itself included) in document order.
// When `visit` returns false, the element's descendants are not visited.
void VisitElements(const GumboNode* node, const std::function<bool(const GumboNode*)>& visit);

bool IsTag(const GumboNode* node, GumboTag tag);

// The attribute's value with entities decoded, or nullptr when absent.
const char* Attribute(const GumboNode* node, const char* name);

// True when the element's class attribute lists `name`.
bool HasClass(const GumboNode* node, std::string_view name);

// Concatenated text of the element's descendants, entities decoded.
std::string TextContent(const GumboNode* node);

// The first element with `tag` under `node`, or nullptr.
const GumboNode* FindFirst(const GumboNode* node, GumboTag tag);

}  // namespace smallset
