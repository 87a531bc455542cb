// Throughput of curate's validate + normalise + hash step on real photo folders, next to
// the Python PIL + numpy pHash baseline (bench/phash_baseline.py) on the same files.
//
//   build/bin/bench_curate_validate [--threads 2] [--no-python] [--breakdown] FOLDER...
#include <dirent.h>
#include <sys/stat.h>

#include <csetjmp>
#include <cstdio>  // jpeglib.h needs FILE

#include <jpeglib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "common/content_store.h"
#include "common/sniff.h"
#include "common/image/decode.h"
#include "curate/phash.h"
#include "curate/validate.h"

namespace {

// Every regular file below `folder` except text files (manifests, notes).
void CollectFiles(const std::string& folder, std::vector<std::string>* files) {
  DIR* dir = opendir(folder.c_str());
  if (dir == nullptr) return;
  while (dirent* entry = readdir(dir)) {
    const std::string name = entry->d_name;
    if (name[0] == '.') continue;
    const std::string path = folder + "/" + name;
    struct stat info;
    if (stat(path.c_str(), &info) != 0) continue;
    if (S_ISDIR(info.st_mode)) {
      CollectFiles(path, files);
    } else if (name.size() < 4 || (name.substr(name.size() - 3) != ".md" && name.substr(name.size() - 4) != ".tsv")) {
      files->push_back(path);
    }
  }
  closedir(dir);
}

// Validates every file as curate does (read, decode with DCT scaling, hash) on `threads`
// threads. Returns seconds; counts defects.
double RunCurateStep(const std::vector<std::string>& files, int threads, int* defects) {
  std::atomic<size_t> next{0};
  std::atomic<int> failed{0};
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      const smallset::DecodeOptions options = smallset::HashDecodeOptions(smallset::DecodeOptions());
      for (size_t i = next++; i < files.size(); i = next++) {
        std::string bytes;
        smallset::DecodedImage image;
        if (!smallset::ReadFile(files[i], &bytes).ok() || !smallset::DecodeImage(bytes, options, &image).ok()) {
          ++failed;
          continue;
        }
        volatile uint64_t hash = smallset::PerceptualHash(image.rgb);
        (void)hash;
      }
    });
  }
  for (std::thread& worker : workers) worker.join();
  *defects = failed;
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

struct EntropyErrors {
  jpeg_error_mgr base;
  std::jmp_buf jump;
};

void JumpOnError(j_common_ptr info) { std::longjmp(reinterpret_cast<EntropyErrors*>(info->err)->jump, 1); }

// Entropy-decodes one JPEG (jpeg_read_coefficients: no IDCT, no upsampling, no colour
// conversion). Validation cannot skip this step, because corrupt or missing scan data is
// only found by decoding it, so it is the least time any full check of a JPEG can take.
// Returns whether the file is progressive.
bool EntropyDecode(const std::string& bytes) {
  jpeg_decompress_struct info;
  EntropyErrors errors;
  info.err = jpeg_std_error(&errors.base);
  errors.base.error_exit = JumpOnError;
  jpeg_create_decompress(&info);
  bool progressive = false;
  if (setjmp(errors.jump) == 0) {
    jpeg_mem_src(&info, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
    jpeg_read_header(&info, TRUE);
    progressive = info.progressive_mode;
    jpeg_read_coefficients(&info);
    jpeg_finish_decompress(&info);
  }
  jpeg_destroy_decompress(&info);
  return progressive;
}

// Prints the entropy-decoding time of the JPEGs among `files`, for baseline and progressive
// files apart, with their sizes.
void PrintEntropyDecoding(const std::vector<std::string>& files) {
  double seconds[2] = {0, 0}, megabytes[2] = {0, 0};
  int count[2] = {0, 0};
  for (const std::string& file : files) {
    std::string bytes;
    if (!smallset::ReadFile(file, &bytes).ok()) continue;
    if (smallset::SniffFormat(bytes) != smallset::SniffedFormat::kJpeg) continue;
    const auto start = std::chrono::steady_clock::now();
    const int kind = EntropyDecode(bytes) ? 1 : 0;
    seconds[kind] += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    megabytes[kind] += bytes.size() / 1e6;
    count[kind]++;
  }
  std::printf("  jpeg entropy decoding alone: %.3f s\n", seconds[0] + seconds[1]);
  const char* names[2] = {"baseline", "progressive"};
  for (int kind = 0; kind < 2; ++kind) {
    if (count[kind] == 0) continue;
    std::printf("    %-11s %4d files %6.1f MB %7.3f s %6.1f MB/s\n", names[kind], count[kind], megabytes[kind],
                seconds[kind], megabytes[kind] / seconds[kind]);
  }
}

// One thread, file by file: seconds per format and the slowest files, so that a reader
// sees which decoder the time goes to.
void PrintBreakdown(const std::vector<std::string>& files) {
  const smallset::DecodeOptions options = smallset::HashDecodeOptions(smallset::DecodeOptions());
  std::map<std::string, std::pair<int, double>> by_format;
  std::vector<std::pair<double, std::string>> slowest;
  for (const std::string& file : files) {
    std::string bytes;
    if (!smallset::ReadFile(file, &bytes).ok()) continue;
    const auto start = std::chrono::steady_clock::now();
    smallset::DecodedImage image;
    if (smallset::DecodeImage(bytes, options, &image).ok()) {
      volatile uint64_t hash = smallset::PerceptualHash(image.rgb);
      (void)hash;
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    auto& entry = by_format[smallset::FormatName(smallset::SniffFormat(bytes))];
    entry.first++;
    entry.second += seconds;
    slowest.emplace_back(seconds, file);
  }
  for (const auto& [format, entry] : by_format) {
    std::printf("  %-5s %4d files %7.3f s\n", format.c_str(), entry.first, entry.second);
  }
  PrintEntropyDecoding(files);
  std::sort(slowest.rbegin(), slowest.rend());
  for (size_t i = 0; i < slowest.size() && i < 8; ++i) {
    std::printf("  %6.1f ms  %s\n", slowest[i].first * 1000, slowest[i].second.c_str());
  }
}

// Runs the Python baseline on the same files and returns its images per second, or 0.
double RunPythonBaseline(const std::vector<std::string>& files, const std::string& script) {
  const std::string list_path = "/tmp/smallset_bench_files.txt";
  FILE* list = std::fopen(list_path.c_str(), "w");
  if (list == nullptr) return 0;
  for (const std::string& file : files) std::fprintf(list, "%s\n", file.c_str());
  std::fclose(list);
  const std::string command = "/usr/bin/python3 " + script + " < " + list_path;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return 0;
  char line[512] = {0};
  std::string output;
  while (std::fgets(line, sizeof(line), pipe) != nullptr) output += line;
  pclose(pipe);
  std::printf("  %s", output.c_str());
  const size_t at = output.find("images/s ");
  return at == std::string::npos ? 0 : std::atof(output.c_str() + at + 9);
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 2;
  bool python = true;
  bool breakdown = false;
  std::vector<std::string> folders;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
      threads = std::atoi(argv[++i]);
    } else if (std::strcmp(argv[i], "--no-python") == 0) {
      python = false;
    } else if (std::strcmp(argv[i], "--breakdown") == 0) {
      breakdown = true;
    } else {
      folders.push_back(argv[i]);
    }
  }
  if (folders.empty()) {
    std::fprintf(stderr, "usage: bench_curate_validate [--threads N] [--no-python] [--breakdown] FOLDER...\n");
    return 2;
  }

  const std::string script = std::string(SMALLSET_SOURCE_DIR) + "/bench/phash_baseline.py";
  for (const std::string& folder : folders) {
    std::vector<std::string> files;
    CollectFiles(folder, &files);
    std::sort(files.begin(), files.end());
    int defects = 0;
    RunCurateStep(files, threads, &defects);  // warms the page cache
    const double one = RunCurateStep(files, 1, &defects);
    const double many = RunCurateStep(files, threads, &defects);
    std::printf("%s: %zu files, %d not decodable\n", folder.c_str(), files.size(), defects);
    std::printf("  curate 1 thread  %.2f s  %.1f images/s\n", one, files.size() / one);
    std::printf("  curate %d threads %.2f s  %.1f images/s\n", threads, many, files.size() / many);
    if (breakdown) PrintBreakdown(files);
    if (python) {
      const double baseline = RunPythonBaseline(files, script);
      if (baseline > 0) {
        std::printf("  ratio: %.1fx (%d threads vs Python), %.1fx (1 thread vs Python)\n",
                    files.size() / many / baseline, threads, files.size() / one / baseline);
      }
    }
  }
  return 0;
}
