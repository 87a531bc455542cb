// The local engine: query-to-class matching, and the real program answering on 127.0.0.1.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include "contrib/local_engine/folder_index.h"
#include "tests/support/test_support.h"

using smallset::FolderIndex;
using smallset::testing::BackgroundProcess;
using smallset::testing::TempDir;
using smallset::testing::WriteTextFile;

namespace {

void MakeTree(const TempDir& dir) {
  for (const char* folder : {"with_glasses", "without_glasses", "cats"}) mkdir((dir / folder).c_str(), 0755);
  WriteTextFile(dir / "with_glasses/b.jpg", "\xFF\xD8\xFF b");
  WriteTextFile(dir / "with_glasses/a.jpg", "\xFF\xD8\xFF a");
  WriteTextFile(dir / "with_glasses/.DS_Store", "junk");
  WriteTextFile(dir / "without_glasses/c.png", "\x89PNG\r\n\x1A\n c");
}

}  // namespace

TEST_CASE("query selects class whose words all appear") {
  TempDir dir;
  MakeTree(dir);
  FolderIndex index(dir.path());
  CHECK(index.ClassForQuery("actors with glasses", {}) == "with_glasses");
  CHECK(index.ClassForQuery("Actors WITHOUT glasses", {}) == "without_glasses");
  CHECK(index.ClassForQuery("photos of cats", {}) == "cats");
  CHECK(index.ClassForQuery("dogs", {}) == "");
  CHECK(index.ClassForQuery("dogs", {{"dogs", "cats"}}) == "cats");
}

TEST_CASE("images are sorted and hidden files skipped") {
  TempDir dir;
  MakeTree(dir);
  FolderIndex index(dir.path());
  std::vector<std::string> images = index.Images("with_glasses");
  REQUIRE(images.size() == 2);
  CHECK(images[0] == "a.jpg");
  CHECK(images[1] == "b.jpg");
}

TEST_CASE("local engine serves result pages and images") {
  TempDir dir;
  MakeTree(dir);
  BackgroundProcess engine({smallset::testing::BinPath("local-engine"), "--root", dir.path(), "--quiet"});
  std::string port = engine.WaitForLine("PORT=");
  REQUIRE_FALSE(port.empty());
  std::string base = "http://127.0.0.1:" + port;

  auto page = smallset::testing::RunProcess({"/usr/bin/curl", "-sS", base + "/images/async?q=actors+with+glasses&first=0&count=1"});
  REQUIRE(page.exit_code == 0);
  CHECK(page.out.find("class=\"iusc\"") != std::string::npos);
  CHECK(page.out.find("&quot;murl&quot;:&quot;" + base + "/img/with_glasses/a.jpg&quot;") != std::string::npos);
  CHECK(page.out.find("b.jpg") == std::string::npos);

  // Offsets past the end repeat the last page.
  auto last = smallset::testing::RunProcess({"/usr/bin/curl", "-sS", base + "/images/async?q=actors+with+glasses&first=70&count=1"});
  CHECK(last.out.find("/img/with_glasses/b.jpg") != std::string::npos);

  auto image = smallset::testing::RunProcess(
      {"/usr/bin/curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{content_type}", base + "/img/without_glasses/c.png"});
  CHECK(image.out == "200 image/png");
  auto escape = smallset::testing::RunProcess(
      {"/usr/bin/curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", base + "/img/..%2F..%2Fetc/passwd"});
  CHECK(escape.out == "404");
}
