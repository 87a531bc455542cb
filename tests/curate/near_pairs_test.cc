// Multi-index search against a comparison of every pair.
#include "curate/near_pairs.h"

#include <doctest/doctest.h>

#include <random>
#include <set>
#include <tuple>
#include <vector>

#include "curate/phash.h"

namespace smallset {
namespace {

std::vector<NearPair> BruteForce(const std::vector<uint64_t>& hashes, int max_distance) {
  std::vector<NearPair> pairs;
  for (uint32_t i = 0; i < hashes.size(); ++i) {
    for (uint32_t j = i + 1; j < hashes.size(); ++j) {
      const int distance = HammingDistance(hashes[i], hashes[j]);
      if (distance <= max_distance) pairs.push_back(NearPair{i, j, distance});
    }
  }
  return pairs;
}

// Random hashes, plus copies of some of them with 0..16 bits flipped, plus exact repeats.
std::vector<uint64_t> HashesWithPlantedPairs(uint64_t seed) {
  std::mt19937_64 random(seed);
  std::vector<uint64_t> hashes(2000);
  for (uint64_t& hash : hashes) hash = random();
  for (int copy = 0; copy < 400; ++copy) {
    uint64_t hash = hashes[random() % 2000];
    const int flips = copy % 17;
    for (int f = 0; f < flips; ++f) hash ^= uint64_t{1} << (random() % 64);
    hashes.push_back(hash);
  }
  return hashes;
}

}  // namespace

TEST_CASE("near pairs match every-pair comparison") {
  const std::vector<uint64_t> hashes = HashesWithPlantedPairs(7);
  for (int max_distance : {0, 1, 3, 5, 8, 10, 13, 16}) {
    for (int threads : {1, 3}) {
      CAPTURE(max_distance);
      CAPTURE(threads);
      const std::vector<NearPair> expected = BruteForce(hashes, max_distance);
      const std::vector<NearPair> found = FindNearPairs(hashes, max_distance, threads);
      REQUIRE(found.size() == expected.size());
      for (size_t i = 0; i < found.size(); ++i) {
        CHECK(found[i].first == expected[i].first);
        CHECK(found[i].second == expected[i].second);
        CHECK(found[i].distance == expected[i].distance);
      }
    }
  }
}

TEST_CASE("near pairs handle tiny inputs") {
  CHECK(FindNearPairs({}, 8).empty());
  CHECK(FindNearPairs({42}, 8).empty());
  const std::vector<NearPair> pairs = FindNearPairs({5, 5, 5}, 0);
  CHECK(pairs.size() == 3);
}

TEST_CASE("near pairs reject distances out of range") {
  CHECK_THROWS_AS(FindNearPairs({1, 2}, -1), std::invalid_argument);
  CHECK_THROWS_AS(FindNearPairs({1, 2}, kMaxNearDistance + 1), std::invalid_argument);
}

}  // namespace smallset
