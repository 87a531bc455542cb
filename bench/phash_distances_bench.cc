// Distribution of pHash distances between every pair of images in a folder tree, used to
// choose curate's default --phash-distance. Prints how many pairs fall at each distance
// up to 16, and lists the closest pairs for a person to look at.
//
//   build/bin/bench_phash_distances [--list 12] FOLDER
#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <tuple>
#include <vector>

#include "common/content_store.h"
#include "common/image/decode.h"
#include "curate/phash.h"
#include "curate/validate.h"

namespace {

void CollectImages(const std::string& folder, std::vector<std::string>* files) {
  DIR* dir = opendir(folder.c_str());
  if (dir == nullptr) return;
  while (dirent* entry = readdir(dir)) {
    const std::string name = entry->d_name;
    if (name[0] == '.') continue;
    const std::string path = folder + "/" + name;
    struct stat info;
    if (stat(path.c_str(), &info) != 0) continue;
    if (S_ISDIR(info.st_mode)) {
      CollectImages(path, files);
    } else {
      files->push_back(path);
    }
  }
  closedir(dir);
}

}  // namespace

int main(int argc, char** argv) {
  int list = 12;
  std::string folder;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--list") == 0 && i + 1 < argc) {
      list = std::atoi(argv[++i]);
    } else {
      folder = argv[i];
    }
  }
  if (folder.empty()) {
    std::fprintf(stderr, "usage: bench_phash_distances [--list N] FOLDER\n");
    return 2;
  }

  std::vector<std::string> files;
  CollectImages(folder, &files);
  std::sort(files.begin(), files.end());
  std::vector<std::string> names;
  std::vector<uint64_t> hashes;
  const smallset::DecodeOptions options = smallset::HashDecodeOptions(smallset::DecodeOptions());
  for (const std::string& file : files) {
    std::string bytes;
    smallset::DecodedImage image;
    if (!smallset::ReadFile(file, &bytes).ok() || !smallset::DecodeImage(bytes, options, &image).ok()) continue;
    hashes.push_back(smallset::PerceptualHash(image.rgb));
    names.push_back(file.substr(folder.size() + 1));
  }

  std::vector<long> histogram(17, 0);
  std::vector<std::tuple<int, size_t, size_t>> closest;
  for (size_t i = 0; i < hashes.size(); ++i) {
    for (size_t j = i + 1; j < hashes.size(); ++j) {
      const int distance = smallset::HammingDistance(hashes[i], hashes[j]);
      if (distance > 16) continue;
      ++histogram[distance];
      closest.emplace_back(distance, i, j);
    }
  }
  std::printf("%s: %zu images, %zu pairs\npairs at distance 0..16:", folder.c_str(), hashes.size(),
              hashes.size() * (hashes.size() - 1) / 2);
  for (long count : histogram) std::printf(" %ld", count);
  std::printf("\n");
  std::sort(closest.begin(), closest.end());
  for (size_t k = 0; k < closest.size() && int(k) < list; ++k) {
    const auto& [distance, i, j] = closest[k];
    std::printf("  %2d  %s  %s\n", distance, names[i].c_str(), names[j].c_str());
  }
  return 0;
}
