// Crawl throughput against loopback servers started in this process.
//
// One server on 127.0.0.1 serves bing-format result pages of 35 results each, and repeats
// the last page once the results run out. The image URLs are spread over servers on
// 127.0.0.2, 127.0.0.3 and up, because real results come from many hosts. Each scenario runs the real crawl
// program with a fresh manifest and measures its wall time:
//   (a) 2,000 images, no latency: images per second;
//   (b) 200 images, 100 ms latency per response: wall time against the ideal,
//       200 / jobs x 0.1 s plus one page fetch per 35 results;
//   (c) the same 200 fetched one at a time (--jobs 1): how many times slower than (b).
//
//   build/bin/crawl_bench [--crawl build/bin/crawl] [--hosts 4] [--jobs 16]
#include <httplib.h>
#include <limits.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr int kPageSize = 35;

// A distinct JPEG-signed body of about 8 KB per index; crawl sniffs and stores it as JPEG.
std::string ImageBody(int index) {
  std::string body = "\xFF\xD8\xFF\xE0";
  body += "bench image " + std::to_string(index) + " ";
  uint32_t state = 2166136261u ^ static_cast<uint32_t>(index);
  while (body.size() < 8192) {
    state = state * 16777619u + 12345u;
    body += static_cast<char>(state >> 24);
  }
  return body + "\xFF\xD9";
}

// The servers of one scenario: result pages on 127.0.0.1, images on 127.0.0.2 and up.
class LoopbackSite {
 public:
  LoopbackSite(int images, int hosts, int latency_ms) : images_(images), latency_ms_(latency_ms) {
    for (int i = 0; i < images; ++i) bodies_.push_back(ImageBody(i));
    StartServer("127.0.0.1", [this](const httplib::Request& request, httplib::Response& response) {
      Delay();
      int first = request.has_param("first") ? std::stoi(request.get_param_value("first")) : 0;
      response.set_content(ResultPage(first), "text/html");
    }, "/images/async");
    for (int h = 0; h < hosts; ++h) {
      StartServer("127.0.0." + std::to_string(h + 2), [this](const httplib::Request& request, httplib::Response& response) {
        Delay();
        int index = std::stoi(request.matches[1]);
        if (index < 0 || index >= images_) {
          response.status = 404;
          return;
        }
        response.set_content(bodies_[index], "image/jpeg");
      }, R"(/img/(\d+)\.jpg)");
    }
  }

  ~LoopbackSite() {
    for (auto& server : servers_) server->stop();
    for (auto& thread : threads_) thread.join();
  }

  std::string engine_url() const { return "http://127.0.0.1:" + std::to_string(ports_[0]); }

 private:
  void Delay() const {
    if (latency_ms_ > 0) std::this_thread::sleep_for(std::chrono::milliseconds(latency_ms_));
  }

  template <typename Handler>
  void StartServer(const std::string& host, Handler handler, const std::string& pattern) {
    auto server = std::make_unique<httplib::Server>();
    // Enough worker threads that the 100 ms handler sleeps never queue behind each other.
    server->new_task_queue = [] { return new httplib::ThreadPool(32); };
    server->Get(pattern, handler);
    int port = server->bind_to_any_port(host);
    if (port <= 0) throw std::runtime_error("cannot bind " + host);
    ports_.push_back(port);
    httplib::Server* raw = server.get();
    threads_.emplace_back([raw] { raw->listen_after_bind(); });
    servers_.push_back(std::move(server));
  }

  // Results first .. first+34; once they run out, the last page again, as engines do.
  std::string ResultPage(int first) const {
    int last_page_start = std::max(0, (images_ - 1) / kPageSize * kPageSize);
    first = std::min(first, last_page_start);
    std::string html = "<html><body><ul>";
    int hosts = static_cast<int>(ports_.size()) - 1;
    for (int i = first; i < std::min(images_, first + kPageSize); ++i) {
      int host = i % hosts;
      std::string url = "http://127.0.0." + std::to_string(host + 2) + ":" + std::to_string(ports_[host + 1]) +
                        "/img/" + std::to_string(i) + ".jpg";
      html += "<li><a class=\"iusc\" m=\"{&quot;murl&quot;:&quot;" + url + "&quot;,&quot;t&quot;:&quot;image " +
              std::to_string(i) + "&quot;}\"><img src=\"/th.jpg\"></a></li>";
    }
    return html + "</ul></body></html>";
  }

  int images_;
  int latency_ms_;
  std::vector<std::string> bodies_;
  std::vector<std::unique_ptr<httplib::Server>> servers_;
  std::vector<std::thread> threads_;
  std::vector<int> ports_;
};

struct RunResult {
  double seconds = 0;
  int stored = 0;
  int exit_code = -1;
};

// Runs crawl for `images` results with a fresh manifest in `folder`.
RunResult RunCrawl(const std::string& crawl, const std::string& engine_url, const std::string& folder, int images,
                   int jobs, int per_host) {
  // A fresh folder, and the previous scenario's writes flushed, before the clock starts.
  std::system(("rm -rf '" + folder + "' && mkdir -p '" + folder + "' && sync").c_str());
  std::string command = "'" + crawl + "' bench -n " +
                        std::to_string(images) + " --engine-url " + engine_url + " --manifest '" + folder +
                        "/data.db' --allow-private --json -q --jobs " + std::to_string(jobs) + " --per-host " +
                        std::to_string(per_host) + " --max-pages 1000 2>&1";
  auto start = std::chrono::steady_clock::now();
  FILE* pipe = popen(command.c_str(), "r");
  std::string output;
  char buffer[4096];
  while (pipe != nullptr && fgets(buffer, sizeof(buffer), pipe) != nullptr) output += buffer;
  RunResult result;
  result.exit_code = pipe ? WEXITSTATUS(pclose(pipe)) : -1;
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  nlohmann::json summary = nlohmann::json::parse(output.substr(output.rfind("\n{") + 1), nullptr, false);
  if (summary.is_object()) result.stored = summary.value("stored", 0);
  if (result.exit_code != 0 || result.stored == 0) std::fprintf(stderr, "crawl output:\n%s\n", output.c_str());
  return result;
}

std::string DefaultCrawlPath() {
  char self[PATH_MAX];
  ssize_t length = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (length <= 0) return "crawl";
  std::string path(self, static_cast<size_t>(length));
  return path.substr(0, path.rfind('/')) + "/crawl";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Crawl throughput against loopback servers (images spread over 127.0.0.2 and up)"};
  std::string crawl = DefaultCrawlPath();
  std::string folder = "/tmp/smallset-crawl-bench-" + std::to_string(getpid());
  int hosts = 4, jobs = 16, per_host = 4, many = 2000, few = 200, latency_ms = 100;
  app.add_option("--crawl", crawl, "crawl program")->capture_default_str();
  app.add_option("--hosts", hosts, "Image hosts (127.0.0.2 and up)")->capture_default_str();
  app.add_option("--jobs", jobs, "crawl --jobs")->capture_default_str();
  app.add_option("--per-host", per_host, "crawl --per-host")->capture_default_str();
  app.add_option("--many", many, "Images in scenario (a)")->capture_default_str();
  app.add_option("--few", few, "Images in scenarios (b) and (c)")->capture_default_str();
  app.add_option("--latency-ms", latency_ms, "Latency per response in (b) and (c), in milliseconds")
      ->capture_default_str();
  app.add_option("--folder", folder, "Scratch folder for the manifests and stores")->capture_default_str();
  bool serve = false;
  app.add_flag("--serve", serve, "Only serve --few images with --latency-ms, printing the engine URL, until killed");
  CLI11_PARSE(app, argc, argv);

  if (serve) {
    LoopbackSite site(few, hosts, latency_ms);
    std::printf("ENGINE_URL=%s\n", site.engine_url().c_str());
    std::fflush(stdout);
    pause();
    return 0;
  }

  RunResult a, b, c;
  {
    LoopbackSite site(many, hosts, 0);
    a = RunCrawl(crawl, site.engine_url(), folder, many, jobs, per_host);
  }
  {
    LoopbackSite site(few, hosts, latency_ms);
    b = RunCrawl(crawl, site.engine_url(), folder, few, jobs, per_host);
    c = RunCrawl(crawl, site.engine_url(), folder, few, 1, 1);
  }
  std::system(("rm -rf '" + folder + "'").c_str());

  double pages = std::ceil(static_cast<double>(few) / kPageSize);
  double ideal = few / static_cast<double>(jobs) * latency_ms / 1000.0 + pages * latency_ms / 1000.0;
  std::printf("(a) %d images, no latency, %d hosts, --jobs %d --per-host %d: stored %d in %.2f s = %.0f images/s\n",
              many, hosts, jobs, per_host, a.stored, a.seconds, a.stored / a.seconds);
  std::printf("(b) %d images, %d ms per response: stored %d in %.2f s; ideal %.2f s; ratio %.2f\n", few, latency_ms,
              b.stored, b.seconds, ideal, b.seconds / ideal);
  std::printf("(c) the same, one at a time (--jobs 1): stored %d in %.2f s = %.1fx slower than (b)\n", c.stored,
              c.seconds, c.seconds / b.seconds);
  bool all_stored = a.stored == many && b.stored == few && c.stored == few;
  return all_stored ? 0 : 1;
}
