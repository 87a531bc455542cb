// Image transforms for training and evaluation, on 8-bit RGB OpenCV images.
//
// Training views are one affine warp (random resized crop, rotation and horizontal flip
// combined, so each output pixel is interpolated once) followed by a brightness and
// contrast change. Evaluation views are a central square crop resized to the input size.
#pragma once

#include <array>
#include <cstdint>
#include <random>

#include <opencv2/core.hpp>

namespace smallset {

struct AugmentOptions {
  double min_area = 0.35;            // smallest crop, as a fraction of the image area
  double max_aspect_change = 4.0 / 3;  // crop aspect ratio in [1/x, x]
  double max_rotation_degrees = 10;
  double brightness = 0.2;           // pixel values scaled by a factor in [1-b, 1+b]
  double contrast = 0.2;             // distance from the mean grey scaled by [1-c, 1+c]
  bool flip = true;                  // horizontal flip with probability 1/2
};

// A random training view of `rgb` (CV_8UC3), `size` x `size` pixels. Uses only `rng`, so the
// same generator state gives the same view.
cv::Mat AugmentImage(const cv::Mat& rgb, int size, const AugmentOptions& options, std::mt19937_64& rng);

// The evaluation view: the central square of side crop_pct * min(width, height), resized to
// `size` x `size` with bilinear interpolation (area averaging when shrinking a lot).
cv::Mat CenterCropResize(const cv::Mat& rgb, int size, float crop_pct);

// Writes `rgb` (CV_8UC3, size x size) into `out` as CHW floats (x / 255 - mean) / std.
// `out` has room for 3 * rows * cols values.
void WriteNormalizedChw(const cv::Mat& rgb, const std::array<float, 3>& mean, const std::array<float, 3>& std,
                        float* out);

// Resizes so that the shorter side is `short_side` (never enlarging by more than needed to
// reach it), keeping the aspect ratio. Used to presize the in-memory copy of each image.
cv::Mat ResizeShortSide(const cv::Mat& rgb, int short_side);

// Seed for one sample's augmentation, a function of the run seed, the epoch and the sample's
// position only, so that worker threads and resumed runs draw the same views.
uint64_t SampleSeed(uint64_t run_seed, int64_t epoch, int64_t sample);

}  // namespace smallset
