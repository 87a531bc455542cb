// local-engine: an image search engine on 127.0.0.1 for a folder-per-class picture tree.
//
// It serves the Bing image search request that `crawl --engine bing` sends,
//   GET /images/async?q=QUERY&first=OFFSET&count=N
// with a result page in Bing's layout (a.iusc anchors whose `m` attribute contains HTML-escaped
// JSON with murl, purl, turl and t), and serves the pictures themselves under /img/. Point
// crawl at it with --engine-url http://127.0.0.1:PORT. `make demo` uses it, and anyone can
// use it to feed their own pictures through crawl, curate and train.
#include <signal.h>
#include <stdio.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/cli_options.h"
#include "common/content_store.h"
#include "common/exit_code.h"
#include "common/html.h"
#include "common/log.h"
#include "common/sniff.h"
#include "contrib/local_engine/folder_index.h"

namespace smallset {
namespace {

struct EngineOptions {
  std::string root;
  std::string bind = "127.0.0.1";
  int port = 0;
  int page_size = 35;
  int latency_ms = 0;
  std::vector<std::string> mappings;  // "query=class"
  bool quiet = false;
  bool verbose = false;
};

// Percent-encodes everything outside RFC 3986's unreserved characters.
std::string PathSegmentEncode(const std::string& text) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string encoded;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      encoded += static_cast<char>(c);
    } else {
      encoded += '%';
      encoded += kHex[c >> 4];
      encoded += kHex[c & 15];
    }
  }
  return encoded;
}

const char* ContentTypeFor(SniffedFormat format) {
  switch (format) {
    case SniffedFormat::kJpeg: return "image/jpeg";
    case SniffedFormat::kPng: return "image/png";
    case SniffedFormat::kGif: return "image/gif";
    case SniffedFormat::kWebp: return "image/webp";
    case SniffedFormat::kBmp: return "image/bmp";
    case SniffedFormat::kTiff: return "image/tiff";
    default: return "application/octet-stream";
  }
}

// Builds one result page. Offsets past the end repeat the last page, as Bing does, so
// a crawler must stop when a page brings no new URL.
std::string ResultPage(const std::string& base, const std::string& query, const std::string& class_name,
                       const std::vector<std::string>& images, int first, int count) {
  int total = static_cast<int>(images.size());
  if (total > 0 && first >= total) first = std::max(0, ((total - 1) / count) * count);
  int end = std::min(total, first + count);

  std::string page = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + HtmlEscape(query) +
                     " - local-engine</title></head>\n<body><div id=\"mmComponent_images_1\" class=\"dgControl\"><ul>\n";
  for (int i = first; i < end; ++i) {
    std::string path = PathSegmentEncode(class_name) + "/" + PathSegmentEncode(images[i]);
    nlohmann::json meta = {{"murl", base + "/img/" + path},
                           {"purl", base + "/page/" + path},
                           {"turl", base + "/img/" + path},
                           {"t", images[i]}};
    page += "<li><div class=\"iuscp\"><a class=\"iusc\" m=\"" + HtmlEscape(meta.dump()) + "\" href=\"/page/" +
            path + "\"><img class=\"mimg\" src=\"" + HtmlEscape(base + "/img/" + path) + "\" alt=\"" +
            HtmlEscape(images[i]) + "\"></a></div></li>\n";
  }
  page += "</ul></div></body></html>\n";
  return page;
}

void HandleSearch(const FolderIndex& index, const EngineOptions& options,
                  const std::map<std::string, std::string>& overrides, const httplib::Request& request,
                  httplib::Response& response) {
  std::string query = request.get_param_value("q");
  int first = request.has_param("first") ? std::atoi(request.get_param_value("first").c_str()) : 0;
  int count = request.has_param("count") ? std::atoi(request.get_param_value("count").c_str()) : options.page_size;
  count = std::clamp(count, 1, 150);
  first = std::max(first, 0);

  std::string class_name = index.ClassForQuery(query, overrides);
  std::vector<std::string> images;
  if (class_name.empty()) {
    SMALLSET_LOG_WARN("no class folder matches query \"%s\"; answering with no results (use --map \"%s=FOLDER\")",
                      query.c_str(), query.c_str());
  } else {
    images = index.Images(class_name);
  }
  SMALLSET_LOG_INFO("search \"%s\" first=%d: class %s, %zu pictures", query.c_str(), first,
                    class_name.empty() ? "(none)" : class_name.c_str(), images.size());

  std::string base = "http://" + request.get_header_value("Host");
  response.set_content(ResultPage(base, query, class_name, images, first, count), "text/html; charset=utf-8");
}

void HandleImage(const FolderIndex& index, const httplib::Request& request, httplib::Response& response) {
  std::string class_name = request.matches[1];
  std::string file = request.matches[2];

  // Only names that the listing returns are served, so no path can leave the root.
  std::vector<std::string> images = index.Images(class_name);
  bool listed = class_name.find('/') == std::string::npos && class_name != ".." &&
                std::find(images.begin(), images.end(), file) != images.end();
  std::string bytes;
  if (!listed || !ReadFile(index.root() + "/" + class_name + "/" + file, &bytes).ok()) {
    response.status = 404;
    response.set_content("not found\n", "text/plain");
    return;
  }
  response.set_content(bytes, ContentTypeFor(SniffFormat(bytes)));
}

int Run(const EngineOptions& options) {
  FolderIndex index(options.root);
  std::vector<std::string> classes = index.Classes();
  if (classes.empty()) {
    SMALLSET_LOG_ERROR("no class folders under %s; give --root a folder with one subfolder per class",
                       options.root.c_str());
    return kExitUsage;
  }
  std::map<std::string, std::string> overrides;
  for (const std::string& mapping : options.mappings) {
    size_t equals = mapping.rfind('=');
    if (equals == std::string::npos) {
      SMALLSET_LOG_ERROR("invalid --map \"%s\"; expected QUERY=FOLDER", mapping.c_str());
      return kExitUsage;
    }
    std::string query = mapping.substr(0, equals);
    for (char& c : query) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    overrides[query] = mapping.substr(equals + 1);
  }
  for (const std::string& class_name : classes) {
    SMALLSET_LOG_INFO("class %s: %zu pictures", class_name.c_str(), index.Images(class_name).size());
  }

  httplib::Server server;
  if (options.latency_ms > 0) {
    server.set_pre_routing_handler([&](const httplib::Request&, httplib::Response&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(options.latency_ms));
      return httplib::Server::HandlerResponse::Unhandled;
    });
  }
  auto search = [&](const httplib::Request& request, httplib::Response& response) {
    HandleSearch(index, options, overrides, request, response);
  };
  server.Get("/images/async", search);
  server.Get("/images/search", search);
  server.Get(R"(/img/([^/]+)/([^/]+))", [&](const httplib::Request& request, httplib::Response& response) {
    HandleImage(index, request, response);
  });
  server.Get(R"(/page/([^/]+)/([^/]+))", [&](const httplib::Request& request, httplib::Response& response) {
    std::string image = "/img/" + PathSegmentEncode(request.matches[1]) + "/" + PathSegmentEncode(request.matches[2]);
    response.set_content("<!DOCTYPE html><html><body><img src=\"" + HtmlEscape(image) + "\"></body></html>\n",
                         "text/html; charset=utf-8");
  });

  int port = options.port;
  if (port == 0) {
    port = server.bind_to_any_port(options.bind.c_str());
  } else if (!server.bind_to_port(options.bind.c_str(), port)) {
    port = -1;
  }
  if (port < 0) {
    SMALLSET_LOG_ERROR("cannot listen on %s:%d; choose another --port", options.bind.c_str(), options.port);
    return kExitFailure;
  }
  printf("PORT=%d\n", port);
  fflush(stdout);
  SMALLSET_LOG_INFO("serving %s at http://%s:%d (crawl --engine-url http://%s:%d --allow-private)",
                    options.root.c_str(), options.bind.c_str(), port, options.bind.c_str(), port);
  server.listen_after_bind();
  return kExitOk;
}

}  // namespace
}  // namespace smallset

int main(int argc, char** argv) {
  using namespace smallset;
  EngineOptions options;
  CLI::App app{"local-engine: serves a folder-per-class picture tree as a Bing-format image search on 127.0.0.1"};
  app.add_option("--root", options.root, "Folder with one subfolder of pictures per class")
      ->required()
      ->check(CLI::ExistingDirectory);
  app.add_option("--bind", options.bind, "Address to listen on")->capture_default_str();
  app.add_option("--port", options.port, "TCP port; 0 picks a free one (printed as PORT=N)")->capture_default_str();
  app.add_option("--page-size", options.page_size, "Results per page when the request gives no count")
      ->check(CLI::Range(1, 150))
      ->capture_default_str();
  app.add_option("--latency", options.latency_ms, "Delay before every response, in milliseconds")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--map", options.mappings, "QUERY=FOLDER: answer this query with this class folder (repeatable)");
  app.add_flag("-q,--quiet", options.quiet, "Print warnings and errors only");
  app.add_flag("-v,--verbose", options.verbose, "Print debug messages too");
  app.set_version_flag("--version", VersionString());
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error);
  }
  CommonOptions log_options;
  log_options.quiet = options.quiet;
  log_options.verbose = options.verbose;
  ApplyCommonOptions(log_options);
  signal(SIGPIPE, SIG_IGN);
  return Run(options);
}
