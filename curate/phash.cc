#include "curate/phash.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include <opencv2/imgproc.hpp>

namespace smallset {
namespace {

constexpr int kSide = 32;
constexpr int kBlock = 8;

// One source pixel's share of one output pixel in a 1-D area resize.
struct AreaWeight {
  int source;
  int target;
  float weight;  // overlap of the source pixel with the target span, divided by the span length
};

// Weights that average `source_size` >= kSide pixels down to kSide spans of equal length,
// as an area (box) filter does.
std::vector<AreaWeight> AreaWeights(int source_size) {
  const double span = double(source_size) / kSide;
  std::vector<AreaWeight> weights;
  weights.reserve(size_t(source_size) + kSide);
  for (int target = 0; target < kSide; ++target) {
    const double begin = target * span, end = (target + 1) * span;
    for (int source = int(begin); source < source_size && source < end; ++source) {
      const double overlap = std::min<double>(source + 1, end) - std::max<double>(source, begin);
      if (overlap > 1e-9) weights.push_back(AreaWeight{source, target, float(overlap / span)});
    }
  }
  return weights;
}

// Grey (BT.601 weights, cv::cvtColor) and an area resize to 32x32. OpenCV's own INTER_AREA
// resize spent most of its time building tables for each call. Rows are first summed into
// 32 full-width rows, which vectorises. The 32 rows are then resized across, each output
// pixel summed in a register and rounded to a whole grey level, as cv::resize rounds its
// 8-bit output, so that hashes stay equal to those of the cv::resize pipeline.
std::array<float, kSide * kSide> GreyThumbnail(const cv::Mat& rgb) {
  cv::Mat grey;
  cv::cvtColor(rgb, grey, cv::COLOR_RGB2GRAY);
  std::array<float, kSide * kSide> thumbnail{};

  // cv::resize interpolates instead of averaging areas when it enlarges, so the rare picture
  // below 32 pixels on a side goes through cv::resize itself, to keep the hash equal to it.
  if (grey.cols < kSide || grey.rows < kSide) {
    cv::Mat small;
    cv::resize(grey, small, cv::Size(kSide, kSide), 0, 0, cv::INTER_AREA);
    for (int i = 0; i < kSide * kSide; ++i) thumbnail[size_t(i)] = small.at<uint8_t>(i / kSide, i % kSide);
    return thumbnail;
  }

  const std::vector<AreaWeight> across = AreaWeights(grey.cols);
  const std::vector<AreaWeight> down = AreaWeights(grey.rows);
  const size_t width = size_t(grey.cols);

  std::vector<float> tall(kSide * width, 0.0f);  // 32 rows, full width
  auto next_down = down.begin();
  for (int y = 0; y < grey.rows; ++y) {
    const uint8_t* source_row = grey.ptr<uint8_t>(y);
    for (; next_down != down.end() && next_down->source == y; ++next_down) {
      float* target_row = &tall[size_t(next_down->target) * width];
      const float weight = next_down->weight;
      for (size_t x = 0; x < width; ++x) target_row[x] += float(source_row[x]) * weight;
    }
  }

  for (int row = 0; row < kSide; ++row) {
    const float* source_row = &tall[size_t(row) * width];
    for (auto w = across.begin(); w != across.end();) {
      const int target = w->target;
      float sum = 0;
      for (; w != across.end() && w->target == target; ++w) sum += source_row[w->source] * w->weight;
      thumbnail[size_t(row) * kSide + target] = std::nearbyint(sum);
    }
  }
  return thumbnail;
}

// Rows 1..8 of the orthonormal 32-point DCT-II matrix: the only frequencies the hash keeps.
const std::array<float, kBlock * kSide>& LowFrequencyBasis() {
  static const std::array<float, kBlock * kSide> basis = [] {
    std::array<float, kBlock * kSide> rows{};
    for (int u = 1; u <= kBlock; ++u) {
      for (int x = 0; x < kSide; ++x) {
        rows[size_t(u - 1) * kSide + x] = float(std::sqrt(2.0 / kSide) * std::cos(M_PI * (2 * x + 1) * u / (2 * kSide)));
      }
    }
    return rows;
  }();
  return basis;
}

// The 8x8 block at rows and columns 1..8 of the 2-D DCT-II of `thumbnail`: B * T * B^T.
std::array<float, kBlock * kBlock> LowFrequencies(const std::array<float, kSide * kSide>& thumbnail) {
  const std::array<float, kBlock * kSide>& basis = LowFrequencyBasis();
  std::array<float, kBlock * kSide> half{};  // B * T
  for (int u = 0; u < kBlock; ++u) {
    for (int y = 0; y < kSide; ++y) {
      const float b = basis[size_t(u) * kSide + y];
      for (int x = 0; x < kSide; ++x) half[size_t(u) * kSide + x] += b * thumbnail[size_t(y) * kSide + x];
    }
  }
  std::array<float, kBlock * kBlock> block{};
  for (int u = 0; u < kBlock; ++u) {
    for (int v = 0; v < kBlock; ++v) {
      float sum = 0;
      for (int x = 0; x < kSide; ++x) sum += half[size_t(u) * kSide + x] * basis[size_t(v) * kSide + x];
      block[size_t(u) * kBlock + v] = sum;
    }
  }
  return block;
}

}  // namespace

uint64_t PerceptualHash(const cv::Mat& rgb) {
  const std::array<float, kBlock * kBlock> block = LowFrequencies(GreyThumbnail(rgb));

  // Median of 64 values: the mean of the 32nd and 33rd smallest.
  std::array<float, kBlock * kBlock> sorted = block;
  std::nth_element(sorted.begin(), sorted.begin() + 32, sorted.end());
  const float upper = sorted[32];
  const float lower = *std::max_element(sorted.begin(), sorted.begin() + 32);
  const float median = (lower + upper) / 2;

  uint64_t hash = 0;
  for (int i = 0; i < kBlock * kBlock; ++i) {
    if (block[i] > median) hash |= uint64_t{1} << i;
  }
  return hash;
}

}  // namespace smallset
