#include "crawler/html.h"

#include <cctype>

namespace smallset {

HtmlDocument::HtmlDocument(std::string_view html)
    : output_(gumbo_parse_with_options(&kGumboDefaultOptions, html.data(), html.size())) {}

HtmlDocument::~HtmlDocument() { gumbo_destroy_output(&kGumboDefaultOptions, output_); }

void VisitElements(const GumboNode* node, const std::function<bool(const GumboNode*)>& visit) {
  if (node->type != GUMBO_NODE_ELEMENT && node->type != GUMBO_NODE_TEMPLATE) return;
  if (!visit(node)) return;
  const GumboVector& children = node->v.element.children;
  for (unsigned i = 0; i < children.length; ++i) {
    VisitElements(static_cast<const GumboNode*>(children.data[i]), visit);
  }
}

bool IsTag(const GumboNode* node, GumboTag tag) {
  return (node->type == GUMBO_NODE_ELEMENT || node->type == GUMBO_NODE_TEMPLATE) && node->v.element.tag == tag;
}

const char* Attribute(const GumboNode* node, const char* name) {
  if (node->type != GUMBO_NODE_ELEMENT && node->type != GUMBO_NODE_TEMPLATE) return nullptr;
  const GumboAttribute* attribute = gumbo_get_attribute(&node->v.element.attributes, name);
  return attribute ? attribute->value : nullptr;
}

bool HasClass(const GumboNode* node, std::string_view name) {
  const char* classes = Attribute(node, "class");
  if (classes == nullptr) return false;
  std::string_view rest(classes);
  while (!rest.empty()) {
    while (!rest.empty() && std::isspace(static_cast<unsigned char>(rest.front()))) rest.remove_prefix(1);
    size_t end = 0;
    while (end < rest.size() && !std::isspace(static_cast<unsigned char>(rest[end]))) ++end;
    if (rest.substr(0, end) == name) return true;
    rest.remove_prefix(end);
  }
  return false;
}

namespace {
void AppendText(const GumboNode* node, std::string* out) {
  if (node->type == GUMBO_NODE_TEXT || node->type == GUMBO_NODE_WHITESPACE || node->type == GUMBO_NODE_CDATA) {
    out->append(node->v.text.text);
    return;
  }
  if (node->type != GUMBO_NODE_ELEMENT && node->type != GUMBO_NODE_TEMPLATE) return;
  const GumboVector& children = node->v.element.children;
  for (unsigned i = 0; i < children.length; ++i) AppendText(static_cast<const GumboNode*>(children.data[i]), out);
}
}  // namespace

std::string TextContent(const GumboNode* node) {
  std::string text;
  AppendText(node, &text);
  return text;
}

const GumboNode* FindFirst(const GumboNode* node, GumboTag tag) {
  const GumboNode* found = nullptr;
  VisitElements(node, [&](const GumboNode* element) {
    if (found != nullptr) return false;
    if (IsTag(element, tag)) found = element;
    return found == nullptr;
  });
  return found;
}

}  // namespace smallset
