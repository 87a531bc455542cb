// Near-duplicate search over many random 64-bit hashes with planted near pairs:
// reports the search time and the share of planted pairs found (recall).
//
//   build/bin/bench_near_pairs [--hashes 1000000] [--pairs 1000] [--distance 8] [--threads 2]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "curate/near_pairs.h"

namespace {

int IntFlag(int argc, char** argv, const char* name, int fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], name) == 0) return std::atoi(argv[i + 1]);
  }
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  const int hash_count = IntFlag(argc, argv, "--hashes", 1'000'000);
  const int planted_count = IntFlag(argc, argv, "--pairs", 1000);
  const int max_distance = IntFlag(argc, argv, "--distance", 8);
  const int threads = IntFlag(argc, argv, "--threads", 2);

  // Random hashes, then `planted_count` copies of random members with 0..max_distance
  // bits flipped (distances spread evenly), appended at the end.
  std::mt19937_64 random(20261204);
  std::vector<uint64_t> hashes(hash_count);
  for (uint64_t& hash : hashes) hash = random();
  std::set<std::pair<uint32_t, uint32_t>> planted;
  for (int p = 0; p < planted_count; ++p) {
    const uint32_t original = uint32_t(random() % uint64_t(hash_count));
    uint64_t copy = hashes[original];
    std::vector<int> bits(64);
    for (int b = 0; b < 64; ++b) bits[b] = b;
    std::shuffle(bits.begin(), bits.end(), random);
    for (int flip = 0; flip < p % (max_distance + 1); ++flip) copy ^= uint64_t{1} << bits[flip];
    planted.insert({original, uint32_t(hashes.size())});
    hashes.push_back(copy);
  }

  const auto start = std::chrono::steady_clock::now();
  std::vector<smallset::NearPair> pairs = smallset::FindNearPairs(hashes, max_distance, threads);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  size_t found = 0;
  for (const smallset::NearPair& pair : pairs) found += planted.count({pair.first, pair.second});
  std::printf("hashes %zu  distance <= %d  threads %d\n", hashes.size(), max_distance, threads);
  std::printf("search %.2f s  pairs reported %zu  planted found %zu/%zu (recall %.4f)\n", seconds, pairs.size(), found,
              planted.size(), double(found) / double(planted.size()));
  return found == planted.size() ? 0 : 1;
}
