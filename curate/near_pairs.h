// Near-duplicate search over 64-bit perceptual hashes by multi-index hashing. The 64 bits
// are cut into m chunks, and two hashes within distance D agree to within floor(D / m)
// bits on at least one chunk (pigeonhole principle). Each chunk has a table from its value
// to the hashes that carry it, so a query probes only the chunk values within that small
// radius instead of comparing against every hash.
#pragma once

#include <cstdint>
#include <vector>

namespace smallset {

struct NearPair {
  uint32_t first = 0;   // index into the input, first < second
  uint32_t second = 0;
  int distance = 0;     // Hamming distance between the two hashes
};

// Largest max_distance that FindNearPairs accepts: beyond it the chunk radius grows and
// the search approaches a comparison of every pair.
constexpr int kMaxNearDistance = 16;

// Returns every pair of indices i < j with HammingDistance(hashes[i], hashes[j]) <=
// max_distance (0..kMaxNearDistance), each pair once, sorted by (first, second).
// Uses up to `threads` threads.
std::vector<NearPair> FindNearPairs(const std::vector<uint64_t>& hashes, int max_distance, int threads = 1);

}  // namespace smallset
