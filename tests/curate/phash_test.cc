// Properties of the perceptual hash: edited copies stay close, unrelated pictures far.
#include "curate/phash.h"

#include <doctest/doctest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "common/content_store.h"
#include "common/image/decode.h"
#include "curate/run.h"
#include "curate/validate.h"
#include "tests/support/test_support.h"

namespace smallset {
namespace {

// A smooth random scene: blurred noise plus a few filled shapes, RGB.
cv::Mat RandomScene(uint64_t seed, int width = 480, int height = 360) {
  cv::RNG random(seed);
  cv::Mat noise(height / 16, width / 16, CV_8UC3);
  random.fill(noise, cv::RNG::UNIFORM, 0, 256);
  cv::Mat scene;
  cv::resize(noise, scene, cv::Size(width, height), 0, 0, cv::INTER_CUBIC);
  for (int i = 0; i < 4; ++i) {
    cv::Point center(random.uniform(0, width), random.uniform(0, height));
    cv::Scalar color(random.uniform(0, 256), random.uniform(0, 256), random.uniform(0, 256));
    cv::circle(scene, center, random.uniform(20, height / 3), color, cv::FILLED);
  }
  return scene;
}

// Encodes and decodes through the real decoder, as curate would see the file.
cv::Mat RoundTrip(const cv::Mat& rgb, const std::string& extension, std::vector<int> params = {}) {
  std::vector<uint8_t> buffer;
  REQUIRE(cv::imencode(extension, rgb, buffer, params));  // channel order does not matter for the hash test
  DecodedImage decoded;
  REQUIRE(DecodeImage(std::string(buffer.begin(), buffer.end()), DecodeOptions(), &decoded).ok());
  return decoded.rgb;
}

uint64_t HashFile(const std::string& path) {
  std::string bytes;
  REQUIRE(ReadFile(path, &bytes).ok());
  DecodedImage decoded;
  REQUIRE(DecodeImage(bytes, HashDecodeOptions(DecodeOptions()), &decoded).ok());
  return PerceptualHash(decoded.rgb);
}

// The hash computed with OpenCV's building blocks: cvtColor, INTER_AREA resize, cv::dct.
uint64_t OpenCvHash(const cv::Mat& rgb) {
  cv::Mat grey, small, samples, frequencies;
  cv::cvtColor(rgb, grey, cv::COLOR_RGB2GRAY);
  cv::resize(grey, small, cv::Size(32, 32), 0, 0, cv::INTER_AREA);
  small.convertTo(samples, CV_32F);
  cv::dct(samples, frequencies);
  std::vector<float> block;
  for (int row = 1; row <= 8; ++row) {
    for (int col = 1; col <= 8; ++col) block.push_back(frequencies.at<float>(row, col));
  }
  std::vector<float> sorted = block;
  std::sort(sorted.begin(), sorted.end());
  const float median = (sorted[31] + sorted[32]) / 2;
  uint64_t hash = 0;
  for (int i = 0; i < 64; ++i) {
    if (block[i] > median) hash |= uint64_t{1} << i;
  }
  return hash;
}

}  // namespace

TEST_CASE("phash equals cv::dct hash at 32x32") {
  // A grey 32x32 picture needs no colour conversion and no resize, so only the DCT and the
  // median remain, and they must agree bit for bit.
  cv::RNG random(7);
  for (int i = 0; i < 50; ++i) {
    cv::Mat grey(32, 32, CV_8UC1);
    random.fill(grey, cv::RNG::UNIFORM, 0, 256);
    cv::Mat rgb;
    cv::cvtColor(grey, rgb, cv::COLOR_GRAY2RGB);
    CAPTURE(i);
    CHECK(PerceptualHash(rgb) == OpenCvHash(rgb));
  }
}

TEST_CASE("phash equals OpenCV pipeline hash") {
  // Integer and fractional area ratios.
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    const cv::Mat scene = RandomScene(seed, 64 + int(seed) * 23, 64 + int(seed) * 11);
    CAPTURE(seed);
    CHECK(PerceptualHash(scene) == OpenCvHash(scene));
  }

  // Smaller than 32 on one side or both, where cv::resize interpolates instead of averaging.
  cv::RNG random(3);
  for (const cv::Size size : {cv::Size(20, 24), cv::Size(31, 90), cv::Size(64, 16)}) {
    cv::Mat noise(size, CV_8UC3);
    random.fill(noise, cv::RNG::UNIFORM, 0, 256);
    CAPTURE(size);
    CHECK(PerceptualHash(noise) == OpenCvHash(noise));
  }
}

TEST_CASE("phash keeps edited copies close") {
  for (uint64_t seed = 1; seed <= 12; ++seed) {
    CAPTURE(seed);
    const cv::Mat scene = RandomScene(seed);
    const uint64_t original = PerceptualHash(RoundTrip(scene, ".png"));

    cv::Mat half, three_quarters;
    cv::resize(scene, half, cv::Size(), 0.5, 0.5, cv::INTER_AREA);
    cv::resize(scene, three_quarters, cv::Size(), 0.75, 0.75, cv::INTER_LINEAR);
    CHECK(HammingDistance(original, PerceptualHash(RoundTrip(half, ".png"))) <= 4);
    CHECK(HammingDistance(original, PerceptualHash(RoundTrip(three_quarters, ".jpg"))) <= 4);
    CHECK(HammingDistance(original, PerceptualHash(RoundTrip(scene, ".jpg", {cv::IMWRITE_JPEG_QUALITY, 20}))) <= 4);
    CHECK(HammingDistance(original, PerceptualHash(RoundTrip(scene, ".webp", {cv::IMWRITE_WEBP_QUALITY, 60}))) <= 4);

    // A crop of 1 % on each side stays within the default threshold. Crops shift every DCT
    // basis function, so they cost more bits than resizing: 2 % reached 10 bits here.
    const cv::Rect crop(scene.cols / 100, scene.rows / 100, scene.cols * 98 / 100, scene.rows * 98 / 100);
    CHECK(HammingDistance(original, PerceptualHash(RoundTrip(scene(crop).clone(), ".png"))) <= kDefaultPhashDistance);
  }
}

TEST_CASE("phash keeps unrelated pictures apart") {
  std::vector<uint64_t> hashes;
  for (uint64_t seed = 100; seed < 130; ++seed) hashes.push_back(PerceptualHash(RandomScene(seed)));
  for (size_t i = 0; i < hashes.size(); ++i) {
    for (size_t j = i + 1; j < hashes.size(); ++j) {
      CAPTURE(i);
      CAPTURE(j);
      CHECK(HammingDistance(hashes[i], hashes[j]) > 2 * kDefaultPhashDistance);
    }
  }
}

TEST_CASE("phash equals OpenCV pipeline on photos") {
  SMALLSET_REQUIRE_SHARED(shared);
  int photos = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(shared + "/datasets/web_faces_glasses")) {
    const std::string path = entry.path().string();
    if (!entry.is_regular_file() || path.size() < 4 || path.substr(path.size() - 3) == ".md" ||
        path.substr(path.size() - 4) == ".tsv") {
      continue;
    }
    std::string bytes;
    REQUIRE(ReadFile(path, &bytes).ok());
    DecodedImage decoded;
    REQUIRE(DecodeImage(bytes, HashDecodeOptions(DecodeOptions()), &decoded).ok());
    CAPTURE(path);
    CHECK(PerceptualHash(decoded.rgb) == OpenCvHash(decoded.rgb));
    ++photos;
  }
  CHECK(photos == 584);
}

TEST_CASE("phash groups the shared near-duplicate copies") {
  SMALLSET_REQUIRE_SHARED(shared);
  const std::string folder = shared + "/cases/curate/near_duplicates/";
  const uint64_t base = HashFile(folder + "a_base.jpg");
  for (const char* copy : {"a_as_png_400x300.png", "a_crop3pct_each_side.jpg", "a_recompressed_q25.jpg",
                           "a_resized_half_q75.jpg"}) {
    CAPTURE(copy);
    CHECK(HammingDistance(base, HashFile(folder + copy)) <= kDefaultPhashDistance);
  }
  for (const char* other : {"b_different_scene.jpg", "c_different_scene.jpg"}) {
    CAPTURE(other);
    CHECK(HammingDistance(base, HashFile(folder + other)) > 2 * kDefaultPhashDistance);
  }
}

TEST_CASE("phash of a flat picture is stable") {
  cv::Mat flat(100, 100, CV_8UC3, cv::Scalar(90, 90, 90));
  CHECK(PerceptualHash(flat) == PerceptualHash(flat.clone()));
}

}  // namespace smallset
