#include "curate/near_pairs.h"

#include <algorithm>
#include <stdexcept>
#include <thread>

#include "curate/phash.h"

namespace smallset {
namespace {

// Chunks are at most this wide so that a table indexed by chunk value stays small
// (2^22 offsets = 16 MiB).
constexpr int kMaxChunkBits = 22;

// One chunk of the hash with its table: ids[offsets[v] .. offsets[v+1]) are the indices
// of the hashes whose chunk value is v, sorted_hashes[k] is hashes[ids[k]], and `occupied`
// marks the values that have any, so that most probes touch only this small bitmap.
struct ChunkTable {
  int shift = 0;
  int bits = 0;
  std::vector<uint32_t> offsets;
  std::vector<uint32_t> ids;
  std::vector<uint64_t> sorted_hashes;
  std::vector<uint64_t> occupied;
  std::vector<uint32_t> probe_masks;  // every chunk value of at most `radius` set bits

  uint32_t ValueOf(uint64_t hash) const { return uint32_t((hash >> shift) & ((uint64_t{1} << bits) - 1)); }
  bool IsOccupied(uint32_t value) const { return (occupied[value >> 6] >> (value & 63)) & 1; }
};

int64_t Binomial(int n, int k) {
  int64_t result = 1;
  for (int i = 1; i <= k; ++i) result = result * (n - k + i) / i;
  return result;
}

int64_t ProbeCount(int bits, int radius) {
  int64_t count = 0;
  for (int k = 0; k <= radius; ++k) count += Binomial(bits, k);
  return count;
}

// Splits 64 bits into `chunk_count` chunks whose widths differ by at most one.
std::vector<int> ChunkWidths(int chunk_count) {
  std::vector<int> widths(chunk_count, 64 / chunk_count);
  for (int i = 0; i < 64 % chunk_count; ++i) ++widths[i];
  return widths;
}

// Search radius of each chunk for chunk count m and distance D = m*r + a (a < m): the
// first a+1 chunks get radius r and the rest r-1, because if every chunk exceeded its
// radius the distance would be at least (a+1)(r+1) + (m-a-1)r = D+1. Radius -1 means
// the chunk is not searched.
std::vector<int> ChunkRadii(int chunk_count, int max_distance) {
  const int radius = max_distance / chunk_count;
  const int remainder = max_distance % chunk_count;
  std::vector<int> radii(chunk_count, radius - 1);
  for (int c = 0; c <= remainder; ++c) radii[c] = radius;
  return radii;
}

// Picks the chunk count with the lowest estimated work per query: probes of the bitmap,
// plus the hashes expected in the probed buckets when the hashes are spread uniformly.
// Weighting both alike matched timings of one million random hashes at distance 8.
int ChooseChunkCount(size_t hash_count, int max_distance) {
  constexpr double kCandidateCost = 1.0;
  int best = 0;
  double best_cost = 0;
  for (int chunk_count = 3; chunk_count <= 16; ++chunk_count) {
    const std::vector<int> widths = ChunkWidths(chunk_count);
    const std::vector<int> radii = ChunkRadii(chunk_count, max_distance);
    double cost = 0;
    for (int c = 0; c < chunk_count; ++c) {
      if (radii[c] < 0) continue;
      const double probes = double(ProbeCount(widths[c], radii[c]));
      cost += probes * (1.0 + kCandidateCost * double(hash_count) / double(uint64_t{1} << widths[c]));
    }
    if (widths[0] <= kMaxChunkBits && (best == 0 || cost < best_cost)) {
      best = chunk_count;
      best_cost = cost;
    }
  }
  return best;
}

void AddMasks(int bits, int radius, int first_bit, uint32_t mask, std::vector<uint32_t>* masks) {
  masks->push_back(mask);
  if (radius == 0) return;
  for (int bit = first_bit; bit < bits; ++bit) AddMasks(bits, radius - 1, bit + 1, mask | (uint32_t{1} << bit), masks);
}

ChunkTable BuildTable(const std::vector<uint64_t>& hashes, int shift, int bits, int radius) {
  ChunkTable table;
  table.shift = shift;
  table.bits = bits;
  const size_t value_count = size_t{1} << bits;

  // Counting sort of the indices by chunk value.
  table.offsets.assign(value_count + 1, 0);
  for (uint64_t hash : hashes) ++table.offsets[table.ValueOf(hash) + 1];
  for (size_t v = 0; v < value_count; ++v) table.offsets[v + 1] += table.offsets[v];
  table.ids.resize(hashes.size());
  std::vector<uint32_t> next(table.offsets.begin(), table.offsets.end() - 1);
  for (uint32_t i = 0; i < hashes.size(); ++i) table.ids[next[table.ValueOf(hashes[i])]++] = i;
  table.sorted_hashes.resize(hashes.size());
  for (size_t k = 0; k < hashes.size(); ++k) table.sorted_hashes[k] = hashes[table.ids[k]];

  table.occupied.assign((value_count + 63) / 64, 0);
  for (uint64_t hash : hashes) {
    uint32_t value = table.ValueOf(hash);
    table.occupied[value >> 6] |= uint64_t{1} << (value & 63);
  }
  if (radius >= 0) AddMasks(bits, radius, 0, 0, &table.probe_masks);
  return table;
}

// Probes chunk `c` for the queries at table positions [begin, end). Queries go in the
// order of the table, so consecutive queries have close chunk values and each probe mask
// walks the table almost sequentially. In random order every probe would miss the cache.
// Each unordered pair is examined once per chunk: from the side with the smaller chunk
// value, or within one bucket from the earlier table position. It is reported only from
// the first chunk on which it is within that chunk's radius, so that no pair appears twice.
void SearchChunk(const std::vector<ChunkTable>& tables, const std::vector<int>& radii, size_t c, int max_distance,
                 size_t begin,
                 size_t end, std::vector<NearPair>* pairs) {
  const ChunkTable& table = tables[c];
  for (size_t position = begin; position < end; ++position) {
    const uint32_t i = table.ids[position];
    const uint64_t hash = table.sorted_hashes[position];
    const uint32_t value = table.ValueOf(hash);
    for (uint32_t mask : table.probe_masks) {
      const uint32_t probe = value ^ mask;
      if (probe < value || !table.IsOccupied(probe)) continue;
      const size_t first = mask == 0 ? position + 1 : table.offsets[probe];
      for (size_t k = first; k < table.offsets[probe + 1]; ++k) {
        const int distance = HammingDistance(hash, table.sorted_hashes[k]);
        if (distance > max_distance) continue;
        bool seen_earlier = false;
        for (size_t earlier = 0; earlier < c && !seen_earlier; ++earlier) {
          const ChunkTable& other = tables[earlier];
          seen_earlier = __builtin_popcount(other.ValueOf(hash) ^ other.ValueOf(table.sorted_hashes[k])) <= radii[earlier];
        }
        if (seen_earlier) continue;
        const uint32_t j = table.ids[k];
        pairs->push_back(NearPair{std::min(i, j), std::max(i, j), distance});
      }
    }
  }
}

}  // namespace

std::vector<NearPair> FindNearPairs(const std::vector<uint64_t>& hashes, int max_distance, int threads) {
  if (max_distance < 0 || max_distance > kMaxNearDistance) {
    throw std::invalid_argument("max_distance must be 0.." + std::to_string(kMaxNearDistance));
  }
  if (hashes.size() < 2) return {};

  const int chunk_count = ChooseChunkCount(hashes.size(), max_distance);
  const std::vector<int> widths = ChunkWidths(chunk_count);
  const std::vector<int> radii = ChunkRadii(chunk_count, max_distance);
  std::vector<ChunkTable> tables;
  int shift = 0;
  for (int c = 0; c < chunk_count; ++c) {
    tables.push_back(BuildTable(hashes, shift, widths[c], radii[c]));
    shift += widths[c];
  }

  // Each thread takes a contiguous share of every chunk's table order.
  threads = std::max(1, std::min<int>(threads, int(hashes.size() / 1024) + 1));
  std::vector<std::vector<NearPair>> found(threads);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      const size_t begin = hashes.size() * size_t(t) / size_t(threads);
      const size_t end = hashes.size() * size_t(t + 1) / size_t(threads);
      for (size_t c = 0; c < tables.size(); ++c) {
        if (radii[c] >= 0) SearchChunk(tables, radii, c, max_distance, begin, end, &found[t]);
      }
    });
  }
  for (std::thread& worker : workers) worker.join();

  std::vector<NearPair> pairs;
  for (const std::vector<NearPair>& part : found) pairs.insert(pairs.end(), part.begin(), part.end());
  std::sort(pairs.begin(), pairs.end(), [](const NearPair& a, const NearPair& b) {
    return a.first != b.first ? a.first < b.first : a.second < b.second;
  });
  return pairs;
}

}  // namespace smallset
