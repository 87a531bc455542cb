#include "train/augment.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

namespace smallset {
namespace {

struct CropRect {
  double x, y, width, height;
};

// Random crop covering [min_area, 1] of the image with a log-uniform aspect ratio change,
// as torchvision's RandomResizedCrop draws it; falls back to the central square.
CropRect RandomCrop(int width, int height, const AugmentOptions& options, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> area_fraction(options.min_area, 1.0);
  std::uniform_real_distribution<double> log_ratio(-std::log(options.max_aspect_change),
                                                   std::log(options.max_aspect_change));
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const double area = static_cast<double>(width) * height;
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double target = area * area_fraction(rng);
    const double ratio = std::exp(log_ratio(rng));
    const double w = std::sqrt(target * ratio);
    const double h = std::sqrt(target / ratio);
    if (w <= width && h <= height) {
      return {unit(rng) * (width - w), unit(rng) * (height - h), w, h};
    }
  }
  const double side = std::min(width, height);
  return {(width - side) / 2, (height - side) / 2, side, side};
}

}  // namespace

uint64_t SampleSeed(uint64_t run_seed, int64_t epoch, int64_t sample) {
  // SplitMix64 finaliser over the three inputs: cheap and well mixed.
  uint64_t z = run_seed * 0x9E3779B97F4A7C15ULL + static_cast<uint64_t>(epoch) * 0xBF58476D1CE4E5B9ULL +
               static_cast<uint64_t>(sample) * 0x94D049BB133111EBULL + 0x2545F4914F6CDD1DULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

cv::Mat AugmentImage(const cv::Mat& rgb, int size, const AugmentOptions& options, std::mt19937_64& rng) {
  const CropRect crop = RandomCrop(rgb.cols, rgb.rows, options, rng);
  std::uniform_real_distribution<double> angle_degrees(-options.max_rotation_degrees, options.max_rotation_degrees);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const double angle = angle_degrees(rng) * M_PI / 180.0;
  const bool flip = options.flip && unit(rng) < 0.5;

  // Map each output pixel (u, v) to the source: centre it, flip, rotate, scale to the crop
  // and move to the crop centre. warpAffine takes this inverse map with WARP_INVERSE_MAP.
  const double sx = crop.width / size;
  const double sy = crop.height / size;
  const double cos_a = std::cos(angle);
  const double sin_a = std::sin(angle);
  const double flip_sign = flip ? -1.0 : 1.0;
  const double cx = crop.x + crop.width / 2;
  const double cy = crop.y + crop.height / 2;
  const double half = size / 2.0;
  // source = R * S * F * (out - half) + centre
  const double a = cos_a * sx * flip_sign, b = -sin_a * sy;
  const double c = sin_a * sx * flip_sign, d = cos_a * sy;
  cv::Mat map = (cv::Mat_<double>(2, 3) << a, b, cx - a * half - b * half, c, d, cy - c * half - d * half);

  // Shrinking a lot with bilinear sampling aliases; an area pre-resize keeps it smooth.
  cv::Mat source = rgb;
  double scale = std::min(sx, sy);
  if (scale > 2.0) {
    cv::resize(rgb, source, cv::Size(), 1.0 / scale, 1.0 / scale, cv::INTER_AREA);
    const double fx = static_cast<double>(source.cols) / rgb.cols;
    const double fy = static_cast<double>(source.rows) / rgb.rows;
    map.row(0) *= fx;
    map.row(1) *= fy;
  }

  cv::Mat view;
  cv::warpAffine(source, view, map, cv::Size(size, size), cv::INTER_LINEAR | cv::WARP_INVERSE_MAP,
                 cv::BORDER_REFLECT_101);

  std::uniform_real_distribution<double> brightness(1 - options.brightness, 1 + options.brightness);
  std::uniform_real_distribution<double> contrast(1 - options.contrast, 1 + options.contrast);
  const double brightness_factor = brightness(rng);
  const double contrast_factor = contrast(rng);
  const cv::Scalar channel_means = cv::mean(view);
  const double grey = (channel_means[0] + channel_means[1] + channel_means[2]) / 3;
  // x' = brightness * (grey + contrast * (x - grey)), saturated to [0, 255].
  view.convertTo(view, CV_8UC3, brightness_factor * contrast_factor,
                 brightness_factor * grey * (1 - contrast_factor));
  return view;
}

cv::Mat CenterCropResize(const cv::Mat& rgb, int size, float crop_pct) {
  const int side = std::max(1, static_cast<int>(std::lround(crop_pct * std::min(rgb.cols, rgb.rows))));
  const cv::Rect square((rgb.cols - side) / 2, (rgb.rows - side) / 2, side, side);
  cv::Mat view;
  const int interpolation = side >= 2 * size ? cv::INTER_AREA : cv::INTER_LINEAR;
  cv::resize(rgb(square), view, cv::Size(size, size), 0, 0, interpolation);
  return view;
}

void WriteNormalizedChw(const cv::Mat& rgb, const std::array<float, 3>& mean, const std::array<float, 3>& std,
                        float* out) {
  const int plane = rgb.rows * rgb.cols;
  std::array<float, 3> scale, offset;
  for (int c = 0; c < 3; ++c) {
    scale[c] = 1.0f / (255.0f * std[c]);
    offset[c] = -mean[c] / std[c];
  }
  for (int y = 0; y < rgb.rows; ++y) {
    const uint8_t* row = rgb.ptr<uint8_t>(y);
    for (int x = 0; x < rgb.cols; ++x) {
      const int i = y * rgb.cols + x;
      for (int c = 0; c < 3; ++c) out[c * plane + i] = row[3 * x + c] * scale[c] + offset[c];
    }
  }
}

cv::Mat ResizeShortSide(const cv::Mat& rgb, int short_side) {
  const int current = std::min(rgb.cols, rgb.rows);
  if (current == short_side) return rgb;
  const double factor = static_cast<double>(short_side) / current;
  cv::Mat resized;
  cv::resize(rgb, resized,
             cv::Size(std::max(1, static_cast<int>(std::lround(rgb.cols * factor))),
                      std::max(1, static_cast<int>(std::lround(rgb.rows * factor)))),
             0, 0, factor < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
  return resized;
}

}  // namespace smallset
