// The real curate program against real files and a real manifest. Shared inputs are
// brought in with --import from folder trees of symbolic links built per test.
#include <doctest/doctest.h>

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/manifest.h"
#include "tests/support/test_support.h"

namespace smallset {
namespace {

using testing::ProcessResult;
using testing::TempDir;

class Workspace {
 public:
  Workspace() : db_(dir_ / "data.db") { mkdir((dir_ / "tree").c_str(), 0755); }

  // Links `source` into tree/<label>/ under `name` (default: its own name).
  void Link(const std::string& label, const std::string& source, std::string name = "") {
    if (name.empty()) name = source.substr(source.rfind('/') + 1);
    const std::string folder = dir_ / ("tree/" + label);
    mkdir(folder.c_str(), 0755);
    REQUIRE(symlink(source.c_str(), (folder + "/" + name).c_str()) == 0);
  }

  ProcessResult Curate(std::vector<std::string> arguments, double timeout = 120) {
    arguments.insert(arguments.begin(), {testing::BinPath("curate"), "--manifest", db_, "-q"});
    return testing::RunProcess(arguments, timeout);
  }

  ProcessResult CurateImport(std::vector<std::string> arguments = {}) {
    arguments.insert(arguments.begin(), {"--import", tree()});
    return Curate(arguments);
  }

  std::unique_ptr<Manifest> Open() {
    std::unique_ptr<Manifest> manifest;
    REQUIRE(Manifest::Open(db_, &manifest).ok());
    return manifest;
  }

  // "status|reason" of the image imported from a file name, or of its candidate when the
  // file was not stored.
  std::string Outcome(const std::string& file_name) {
    auto manifest = Open();
    Statement select = manifest->Prepare(
        "SELECT COALESCE(i.status, c.status) || '|' || COALESCE(i.reason, c.last_error, '') FROM candidates c "
        "LEFT JOIN images i ON i.id = c.image_id WHERE c.url LIKE '%/' || ?");
    select.Bind(1, file_name);
    return select.Next() ? select.Text(0) : "missing";
  }

  int64_t Count(const std::string& sql) {
    auto manifest = Open();
    Statement select = manifest->Prepare(sql.c_str());
    REQUIRE(select.Next());
    return select.Int(0);
  }

  // sha256 -> split ("" for none) of every kept image.
  std::map<std::string, std::string> Splits() {
    auto manifest = Open();
    Statement select = manifest->Prepare("SELECT sha256, COALESCE(split, '') FROM images WHERE status = 'kept'");
    std::map<std::string, std::string> splits;
    while (select.Next()) splits[select.Text(0)] = select.Text(1);
    return splits;
  }

  std::string tree() const { return dir_ / "tree"; }
  std::string path(const std::string& name) const { return dir_ / name; }
  const std::string& db() const { return db_; }

 private:
  TempDir dir_;
  std::string db_;
};

std::string CasesDir(const std::string& shared) { return shared + "/cases/curate/"; }

void LinkShapes(Workspace* workspace, const std::string& shared, int first, int count) {
  for (const char* label : {"circle", "square", "triangle"}) {
    for (int i = first; i < first + count; ++i) {
      char name[64];
      std::snprintf(name, sizeof(name), "%s_%03d.png", label, i);
      workspace->Link(label, shared + "/cases/train/shapes3/" + label + "/" + name);
    }
  }
}

void RequireSuccess(const ProcessResult& result) {
  REQUIRE_MESSAGE(result.exit_code == 0, "stdout:\n" << result.out << "\nstderr:\n" << result.err);
}

}  // namespace

TEST_CASE("curate reports documents and empty files") {
  SMALLSET_REQUIRE_SHARED(shared);
  Workspace workspace;
  for (const char* name : {"html_403_page_named.jpg", "svg_named.jpg", "zero_bytes.jpg", "heic_content_named.jpg",
                           "avif_content_named.jpg", "valid_reference.jpg"}) {
    workspace.Link("mixed", CasesDir(shared) + name);
  }
  RequireSuccess(workspace.CurateImport());
  CHECK(workspace.Outcome("html_403_page_named.jpg") == "skipped|not an image (HTML)");
  CHECK(workspace.Outcome("svg_named.jpg") == "skipped|not a raster image (SVG)");
  CHECK(workspace.Outcome("zero_bytes.jpg") == "skipped|empty file");
  CHECK(workspace.Outcome("heic_content_named.jpg") == "skipped|unsupported format heic");
  CHECK(workspace.Outcome("avif_content_named.jpg") == "skipped|unsupported format avif");
  CHECK(workspace.Outcome("valid_reference.jpg") == "kept|");
}

TEST_CASE("curate rejects truncated JPEGs") {
  SMALLSET_REQUIRE_SHARED(shared);
  for (const char* control : {"valid_reference.jpg", "progressive.jpg"}) {
    CAPTURE(control);
    Workspace workspace;
    workspace.Link("mixed", CasesDir(shared) + control);
    workspace.Link("mixed", CasesDir(shared) + "truncated_baseline.jpg");
    workspace.Link("mixed", CasesDir(shared) + "truncated_progressive.jpg");
    RequireSuccess(workspace.CurateImport());
    CHECK(workspace.Outcome(control) == "kept|");
    CHECK(workspace.Outcome("truncated_baseline.jpg") == "defective|truncated/corrupt JPEG");
    CHECK(workspace.Outcome("truncated_progressive.jpg") == "defective|truncated/corrupt JPEG");
  }
}

TEST_CASE("curate keeps awkward but valid images") {
  SMALLSET_REQUIRE_SHARED(shared);
  // One workspace per picture: several of these show the same scene and would be grouped.
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"cmyk_adobe.jpg", "256x128"},           {"exif_orientation_6_arrow.jpg", "180x240"},
      {"exif_orientation_8_arrow.jpg", "180x240"}, {"rgb_16bit.png", "256x128"},
      {"gray_16bit.png", "256x128"},           {"animated_3frames.gif", "128x128"},
      {"gif_content_named.jpg", "200x150"},    {"png_content_named.jpg", "200x150"},
      {"webp_content_named.jpg", "200x150"},   {"grayscale_1ch.jpg", "256x192"},
  };
  for (const auto& [name, size] : cases) {
    CAPTURE(name);
    Workspace workspace;
    workspace.Link("mixed", CasesDir(shared) + name);
    RequireSuccess(workspace.CurateImport());
    CHECK(workspace.Outcome(name) == "kept|");
    CHECK(workspace.Count("SELECT COUNT(*) FROM images WHERE width || 'x' || height = '" + size + "'") == 1);
  }
}

TEST_CASE("curate stores misnamed JPEGs once") {
  SMALLSET_REQUIRE_SHARED(shared);
  Workspace workspace;
  for (const char* name : {"jpeg_content_named.png", "jpeg_content_named.heic", "jpeg_content_no_extension"}) {
    workspace.Link("mixed", CasesDir(shared) + name);
  }
  RequireSuccess(workspace.CurateImport());
  CHECK(workspace.Count("SELECT COUNT(*) FROM images WHERE status = 'kept' AND format = 'jpeg'") == 1);
  CHECK(workspace.Count("SELECT COUNT(*) FROM candidates WHERE status IN ('stored', 'duplicate')") == 3);
}

TEST_CASE("curate rejects bombs within bounded memory") {
  SMALLSET_REQUIRE_SHARED(shared);
  Workspace workspace;
  workspace.Link("mixed", CasesDir(shared) + "bomb_30000x30000_1bit.png");
  workspace.Link("mixed", CasesDir(shared) + "jpeg_header_claims_65000x65000.jpg");
  workspace.Link("mixed", CasesDir(shared) + "valid_reference.jpg");

  // A 1.5 GB address-space limit: decoding either bomb would need far more.
  const std::string command = "ulimit -v 1500000 && exec " + testing::BinPath("curate") + " --manifest " +
                              workspace.db() + " -q --jobs 2 --import " + workspace.tree();
  RequireSuccess(testing::RunProcess({"/bin/sh", "-c", command}));
  CHECK(workspace.Outcome("bomb_30000x30000_1bit.png") == "defective|too many pixels: 900000000 > 50000000");
  CHECK(workspace.Outcome("jpeg_header_claims_65000x65000.jpg") == "defective|too many pixels: 4225000000 > 50000000");
  CHECK(workspace.Outcome("valid_reference.jpg") == "kept|");
}

TEST_CASE("curate rejects tiny images") {
  SMALLSET_REQUIRE_SHARED(shared);
  Workspace workspace;
  workspace.Link("mixed", CasesDir(shared) + "one_pixel.gif");
  workspace.Link("mixed", CasesDir(shared) + "tiny_16x16.png");
  RequireSuccess(workspace.CurateImport());
  CHECK(workspace.Outcome("one_pixel.gif") == "defective|too small: 1x1 < 64");
  CHECK(workspace.Outcome("tiny_16x16.png") == "defective|too small: 16x16 < 64");
}

TEST_CASE("curate groups near-duplicates") {
  SMALLSET_REQUIRE_SHARED(shared);
  Workspace workspace;
  for (const char* name : {"a_base.jpg", "a_as_png_400x300.png", "a_crop3pct_each_side.jpg", "a_recompressed_q25.jpg",
                           "a_resized_half_q75.jpg", "b_different_scene.jpg", "c_different_scene.jpg"}) {
    workspace.Link("scenes", CasesDir(shared) + "near_duplicates/" + name);
  }
  RequireSuccess(workspace.CurateImport());
  CHECK(workspace.Count("SELECT COUNT(*) FROM images WHERE status = 'kept'") == 3);
  CHECK(workspace.Count("SELECT COUNT(*) FROM images WHERE status = 'duplicate'") == 4);
  CHECK(workspace.Outcome("b_different_scene.jpg") == "kept|");
  CHECK(workspace.Outcome("c_different_scene.jpg") == "kept|");
  // The largest copy (640x480, earliest of the two) is the one kept.
  CHECK(workspace.Outcome("a_base.jpg") == "kept|");
}

TEST_CASE("curate flags one picture under two labels") {
  SMALLSET_REQUIRE_SHARED(shared);
  Workspace workspace;
  const std::string folder = CasesDir(shared) + "cross_class_duplicate/";
  for (const char* name : {"alpha_0.jpg", "alpha_1.jpg", "shared_original.jpg"}) workspace.Link("alpha", folder + "alpha/" + name);
  for (const char* name : {"beta_0.jpg", "beta_1.jpg", "shared_recompressed_q60.jpg"}) workspace.Link("beta", folder + "beta/" + name);
  const std::string report = workspace.path("report.html");
  ProcessResult result = workspace.CurateImport({"--report", report});
  RequireSuccess(result);
  CHECK(workspace.Outcome("shared_original.jpg") == "conflict|same picture under labels alpha and beta");
  CHECK(workspace.Outcome("shared_recompressed_q60.jpg") == "conflict|same picture under labels alpha and beta");
  CHECK(workspace.Count("SELECT COUNT(*) FROM images WHERE status = 'kept'") == 4);
  CHECK(result.out.find("conflict: images") != std::string::npos);
  CHECK(testing::ReadTextFile(report).find("same picture under labels alpha and beta") != std::string::npos);
}

TEST_CASE("curate flags identical bytes under two labels") {
  SMALLSET_REQUIRE_SHARED(shared);
  Workspace workspace;
  workspace.Link("alpha", CasesDir(shared) + "valid_reference.jpg");
  workspace.Link("beta", CasesDir(shared) + "valid_reference.jpg", "copy.jpg");
  RequireSuccess(workspace.CurateImport());
  CHECK(workspace.Outcome("valid_reference.jpg") == "conflict|same picture under labels alpha and beta");
}

TEST_CASE("curate import ignores OS junk") {
  SMALLSET_REQUIRE_SHARED(shared);
  Workspace workspace;
  ProcessResult result = workspace.Curate({"--import", CasesDir(shared) + "dataset_with_os_junk", "--json"});
  RequireSuccess(result);
  CHECK(workspace.Count("SELECT COUNT(*) FROM queries WHERE engine = 'import'") == 2);
  CHECK(workspace.Count("SELECT COUNT(*) FROM candidates") == 6);
  CHECK(workspace.Count("SELECT COUNT(*) FROM images WHERE label = 'circle' AND status = 'kept'") == 3);
  CHECK(workspace.Count("SELECT COUNT(*) FROM images WHERE label = 'square' AND status = 'kept'") == 3);
  CHECK(workspace.Count("SELECT COUNT(*) FROM candidates WHERE url LIKE '%MACOSX%' OR url LIKE '%/.%' "
                        "OR url LIKE '%Thumbs.db' OR url LIKE '%desktop.ini' OR url LIKE '%README.txt'") == 0);
}

TEST_CASE("curate keeps UTF-8 labels byte for byte") {
  SMALLSET_REQUIRE_SHARED(shared);
  Workspace workspace;
  RequireSuccess(workspace.Curate({"--import", CasesDir(shared) + "unicode_names"}));
  for (const char* label : {"caf\xC3\xA9 cr\xC3\xA8me", "\xE7\x8C\xAB", "\xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D"}) {
    CAPTURE(label);
    auto manifest = workspace.Open();
    Statement select = manifest->Prepare("SELECT COUNT(*) FROM images WHERE label = ? AND status = 'kept'");
    select.Bind(1, label);
    REQUIRE(select.Next());
    CHECK(select.Int(0) == 2);
  }
  CHECK(workspace.Count("SELECT COUNT(*) FROM candidates WHERE url LIKE '%\xE3\x81\xAD\xE3\x81\x93.png'") == 1);
}

TEST_CASE("curate splits shapes exactly 135:20") {
  SMALLSET_REQUIRE_SHARED(shared);
  Workspace workspace;
  RequireSuccess(workspace.Curate({"--import", shared + "/cases/train/shapes3", "--split", "135:20"}));
  for (const char* label : {"circle", "square", "triangle"}) {
    CAPTURE(label);
    auto manifest = workspace.Open();
    Statement select = manifest->Prepare(
        "SELECT SUM(split = 'train'), SUM(split = 'valid'), SUM(status != 'kept') FROM images WHERE label = ?");
    select.Bind(1, label);
    REQUIRE(select.Next());
    CHECK(select.Int(0) == 135);
    CHECK(select.Int(1) == 20);
    CHECK(select.Int(2) == 0);
  }

  // A rerun with the same options changes nothing.
  ProcessResult again = workspace.Curate({"--split", "135:20", "--json"});
  RequireSuccess(again);
  CHECK(again.out.find("\"changed_images\":0") != std::string::npos);
}

TEST_CASE("curate refuses a short label and writes nothing") {
  SMALLSET_REQUIRE_SHARED(shared);
  Workspace workspace;
  LinkShapes(&workspace, shared, 0, 155);
  workspace.Link("lonely", CasesDir(shared) + "class_with_one_image/lonely/lonely_000.png");
  ProcessResult result = workspace.CurateImport({"--split", "135:20"});
  CHECK(result.exit_code == 1);
  CHECK(result.err.find("lonely: 1 usable image, --split 135:20 needs 155") != std::string::npos);
  CHECK(workspace.Count("SELECT COUNT(*) FROM images WHERE split IS NOT NULL OR status = 'kept'") == 0);
  CHECK(workspace.Count("SELECT COUNT(*) FROM settings WHERE key LIKE 'curate.%'") == 0);

  result = workspace.Curate({"--split", "135:20", "--allow-short"});
  RequireSuccess(result);
  CHECK(result.out.find("warning: lonely: 1 usable image") != std::string::npos);
  CHECK(workspace.Count("SELECT COUNT(*) FROM images WHERE label = 'lonely' AND split = 'valid'") == 1);
  CHECK(workspace.Count("SELECT COUNT(*) FROM images WHERE label = 'circle' AND split = 'train'") == 135);
}

TEST_CASE("curate keeps earlier splits as data grows") {
  SMALLSET_REQUIRE_SHARED(shared);
  Workspace workspace;
  LinkShapes(&workspace, shared, 0, 60);
  RequireSuccess(workspace.CurateImport({"--split", "40:10", "--seed", "5"}));
  const std::map<std::string, std::string> before = workspace.Splits();
  CHECK(before.size() == 180);

  // New images arrive; a refresh runs without --split and applies the stored one.
  LinkShapes(&workspace, shared, 60, 40);
  ProcessResult refresh = workspace.CurateImport();
  RequireSuccess(refresh);
  CHECK(refresh.out.find("split 40:10, seed 5 (stored by an earlier --split)") != std::string::npos);
  std::map<std::string, std::string> after = workspace.Splits();
  for (const auto& [sha256, split] : before) {
    CAPTURE(sha256);
    CHECK(after.at(sha256) == split);
  }
  CHECK(workspace.Count("SELECT COUNT(*) FROM images WHERE split IS NULL AND status = 'kept'") == 150);

  // Larger counts only assign more; earlier assignments stay.
  RequireSuccess(workspace.Curate({"--split", "80:15"}));
  after = workspace.Splits();
  for (const auto& [sha256, split] : before) {
    CAPTURE(sha256);
    if (!split.empty()) CHECK(after.at(sha256) == split);
  }
  CHECK(workspace.Count("SELECT COUNT(*) FROM images WHERE split = 'train'") == 240);

  // --resplit is the one way to reshuffle.
  RequireSuccess(workspace.Curate({"--split", "80:15", "--seed", "6", "--resplit"}));
  CHECK(workspace.Splits() != after);
}

TEST_CASE("curate records people's decisions") {
  SMALLSET_REQUIRE_SHARED(shared);
  Workspace workspace;
  for (const char* name : {"a_base.jpg", "a_resized_half_q75.jpg", "b_different_scene.jpg", "c_different_scene.jpg"}) {
    workspace.Link("scenes", CasesDir(shared) + "near_duplicates/" + name);
  }
  RequireSuccess(workspace.CurateImport());
  auto sha_of = [&](const std::string& file) {
    auto manifest = workspace.Open();
    Statement select = manifest->Prepare(
        "SELECT i.sha256 FROM candidates c JOIN images i ON i.id = c.image_id WHERE c.url LIKE '%/' || ?");
    select.Bind(1, file);
    REQUIRE(select.Next());
    return select.Text(0);
  };

  // Rejecting the kept copy keeps its near-duplicate out as well.
  RequireSuccess(workspace.Curate({"--reject", sha_of("a_base.jpg").substr(0, 10)}));
  CHECK(workspace.Outcome("a_base.jpg") == "rejected|rejected by a person");
  CHECK(workspace.Outcome("a_resized_half_q75.jpg").rfind("duplicate|near-duplicate of rejected image", 0) == 0);

  // The same bytes imported again from another path stay rejected.
  workspace.Link("again", CasesDir(shared) + "near_duplicates/a_base.jpg", "a_base_again.jpg");
  RequireSuccess(workspace.CurateImport());
  CHECK(workspace.Outcome("a_base_again.jpg") == "rejected|rejected by a person");

  // Relabel moves an image, and accept overrides a duplicate decision.
  RequireSuccess(workspace.Curate({"--relabel", sha_of("b_different_scene.jpg"), "other", "--relabel",
                                   sha_of("c_different_scene.jpg"), "other", "--accept",
                                   sha_of("a_resized_half_q75.jpg")}));
  CHECK(workspace.Count("SELECT COUNT(*) FROM images WHERE label = 'other' AND status = 'kept'") == 2);
  CHECK(workspace.Count("SELECT COUNT(*) FROM images WHERE decision = 'relabel' AND decision_label = 'other'") == 2);
  CHECK(workspace.Outcome("a_resized_half_q75.jpg") == "kept|");

  // Unknown and ambiguous prefixes are errors that name the value.
  ProcessResult unknown = workspace.Curate({"--reject", "ffffffffff"});
  CHECK(unknown.exit_code != 0);
  CHECK(unknown.err.find("ffffffffff") != std::string::npos);
  ProcessResult short_prefix = workspace.Curate({"--reject", "ab"});
  CHECK(short_prefix.exit_code == 2);
}

TEST_CASE("curate exports an ImageFolder tree") {
  SMALLSET_REQUIRE_SHARED(shared);
  Workspace workspace;
  LinkShapes(&workspace, shared, 0, 12);
  workspace.Link("circle", CasesDir(shared) + "exif_orientation_6_arrow.jpg");
  const std::string out = workspace.path("export");
  RequireSuccess(workspace.CurateImport({"--split", "0.7:0.3", "--export", out}));

  const std::string csv = testing::ReadTextFile(out + "/dataset.csv");
  CHECK(csv.rfind("file,label,split,sha256,source_url,license,creator\n", 0) == 0);
  CHECK(std::count(csv.begin(), csv.end(), '\n') == 1 + 37);
  CHECK(csv.find(",circle,train,") != std::string::npos);
  CHECK(csv.find("file://") != std::string::npos);

  // torchvision reads the tree as is, and the JPEG was written upright.
  const std::string script =
      "import sys, torchvision\n"
      "train = torchvision.datasets.ImageFolder(sys.argv[1] + '/train')\n"
      "valid = torchvision.datasets.ImageFolder(sys.argv[1] + '/valid')\n"
      "sizes = {d[i][0].size for d in (train, valid) for i in range(len(d))}\n"
      "print(len(train), len(valid), ','.join(train.classes), (180, 240) in sizes)\n";
  ProcessResult python = testing::RunProcess({testing::SystemPython(), "-c", script, out}, 120);
  REQUIRE_MESSAGE(python.exit_code == 0, python.err);
  CHECK(python.out == "25 12 circle,square,triangle True\n");
}

TEST_CASE("curate report renders offline") {
  SMALLSET_REQUIRE_SHARED(shared);
  Workspace workspace;
  LinkShapes(&workspace, shared, 0, 5);
  workspace.Link("circle", CasesDir(shared) + "truncated_baseline.jpg");
  workspace.Link("square", CasesDir(shared) + "near_duplicates/a_base.jpg");
  workspace.Link("square", CasesDir(shared) + "near_duplicates/a_recompressed_q25.jpg");
  const std::string report = workspace.path("report.html");
  RequireSuccess(workspace.CurateImport({"--split", "3:1", "--report", report}));
  const std::string html = testing::ReadTextFile(report);
  CHECK(html.find("<!DOCTYPE html>") == 0);
  CHECK(html.find("data:image/jpeg;base64,") != std::string::npos);
  CHECK(html.find("truncated/corrupt JPEG") != std::string::npos);
  CHECK(html.find("class=\"keeper\"") != std::string::npos);
  CHECK(html.find("src=\"http") == std::string::npos);
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("<link") == std::string::npos);
}

TEST_CASE("curate runs while the real crawl writes") {
  SMALLSET_REQUIRE_SHARED(shared);
  Workspace workspace;
  testing::BackgroundProcess engine({testing::BinPath("local-engine"), "--root", shared + "/cases/train/shapes3",
                                     "--latency", "20", "--map", "circle=circle", "--quiet"});
  const std::string port = engine.WaitForLine("PORT=");
  REQUIRE_FALSE(port.empty());

  std::atomic<bool> crawl_done{false};
  ProcessResult crawl;
  std::thread crawler([&] {
    crawl = testing::RunProcess({testing::BinPath("crawl"), "circle", "-n", "100", "--label", "circle", "--engine-url",
                                 "http://127.0.0.1:" + port, "--allow-private", "--jobs", "2", "--manifest",
                                 workspace.db(), "-q"},
                                120);
    crawl_done = true;
  });

  int runs = 0;
  while (!crawl_done) {
    ProcessResult run = workspace.Curate({"--jobs", "1"});
    CHECK_MESSAGE(run.exit_code == 0, run.err);
    ++runs;
  }
  crawler.join();
  REQUIRE_MESSAGE(crawl.exit_code == 0, crawl.err);
  CHECK(runs >= 2);

  RequireSuccess(workspace.Curate({}));
  const int64_t stored = workspace.Count("SELECT COUNT(*) FROM images");
  CHECK(stored == 100);
  CHECK(workspace.Count("SELECT COUNT(*) FROM images WHERE status = 'kept'") == stored);
}

TEST_CASE("curate stops cleanly on SIGINT") {
  SMALLSET_REQUIRE_SHARED(shared);
  Workspace workspace;
  RequireSuccess(workspace.Curate({"--import", shared + "/datasets/web_faces_glasses"}));
  {
    // Forget the validation so that the next run has all of it to do again.
    auto manifest = workspace.Open();
    REQUIRE(manifest->Exec("UPDATE images SET status = 'new', phash = NULL, width = NULL, height = NULL, "
                           "reason = NULL, split = NULL, duplicate_of = NULL").ok());
  }

  testing::BackgroundProcess run({testing::BinPath("curate"), "--manifest", workspace.db(), "-q", "--jobs", "1"});
  usleep(300 * 1000);
  const int exit_code = run.Stop(SIGINT);
  const int64_t validated = workspace.Count("SELECT COUNT(*) FROM images WHERE phash IS NOT NULL");
  if (exit_code == 130) {
    // Stopped part-way: what finished is recorded, nothing is decided yet.
    CHECK(validated < 584);
    CHECK(workspace.Count("SELECT COUNT(*) FROM images WHERE status = 'kept'") == 0);
  } else {
    MESSAGE("curate finished before SIGINT arrived; only the rerun is checked");
    CHECK(exit_code == 0);
  }

  RequireSuccess(workspace.Curate({}));
  CHECK(workspace.Count("SELECT COUNT(*) FROM images WHERE status = 'kept'") == 584);
}

TEST_CASE("curate help lists every option") {
  ProcessResult help = testing::RunProcess({testing::BinPath("curate"), "--help"});
  CHECK(help.exit_code == 0);
  for (const char* option : {"--manifest", "--split", "--seed", "--min-side", "--max-pixels", "--phash-distance",
                             "--allow-short", "--resplit", "--import", "--reject", "--relabel", "--accept", "--export",
                             "--report", "--json", "--jobs"}) {
    CAPTURE(option);
    CHECK(help.out.find(option) != std::string::npos);
  }
  ProcessResult bad = testing::RunProcess({testing::BinPath("curate"), "--split", "135-20"});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("135-20") != std::string::npos);
  ProcessResult empty = testing::RunProcess({testing::BinPath("curate"), "--split", ""});
  CHECK(empty.exit_code == 2);
  CHECK(empty.err.find("invalid --split \"\":") != std::string::npos);
}

TEST_CASE("curate without a manifest creates none") {
  testing::TempDir dir;
  const std::string missing = dir / "typo.db";
  ProcessResult run = testing::RunProcess({testing::BinPath("curate"), "--manifest", missing, "--split", "135:20"});
  CHECK(run.exit_code == 1);
  CHECK(run.err.find("manifest " + missing + " not found: run crawl or curate --import first") != std::string::npos);
  CHECK_FALSE(testing::FileExists(missing));
}

}  // namespace smallset
