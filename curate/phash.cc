#include "curate/phash.h"

#include <algorithm>
#include <array>

#include <opencv2/imgproc.hpp>

namespace smallset {

uint64_t PerceptualHash(const cv::Mat& rgb) {
  constexpr int kSide = 32;
  constexpr int kBlock = 8;

  cv::Mat grey, small, samples, frequencies;
  cv::cvtColor(rgb, grey, cv::COLOR_RGB2GRAY);
  cv::resize(grey, small, cv::Size(kSide, kSide), 0, 0, cv::INTER_AREA);
  small.convertTo(samples, CV_32F);
  cv::dct(samples, frequencies);

  std::array<float, kBlock * kBlock> block;
  for (int row = 0; row < kBlock; ++row) {
    for (int col = 0; col < kBlock; ++col) block[row * kBlock + col] = frequencies.at<float>(row + 1, col + 1);
  }

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
