// Decoder behaviour on the awkward shared inputs and on pictures made here with OpenCV.
#include "common/image/decode.h"

#include <doctest/doctest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <string>
#include <vector>

#include "common/content_store.h"
#include "tests/support/test_support.h"

namespace smallset {
namespace {

std::string CasePath(const std::string& shared, const std::string& name) { return shared + "/cases/curate/" + name; }

std::string ReadBytes(const std::string& path) {
  std::string bytes;
  Status status = ReadFile(path, &bytes);
  REQUIRE_MESSAGE(status.ok(), status.ToString());
  return bytes;
}

Status DecodeFile(const std::string& path, DecodedImage* image, DecodeOptions options = DecodeOptions()) {
  return DecodeImage(ReadBytes(path), options, image);
}

// Decodes a file that must succeed.
DecodedImage DecodeOk(const std::string& path, DecodeOptions options = DecodeOptions()) {
  DecodedImage image;
  Status status = DecodeFile(path, &image, options);
  REQUIRE_MESSAGE(status.ok(), path << ": " << status.ToString());
  REQUIRE(image.rgb.type() == CV_8UC3);
  return image;
}

std::string DecodeReason(const std::string& path) {
  DecodedImage image;
  Status status = DecodeFile(path, &image);
  CHECK(image.rgb.empty());
  return status.ok() ? "OK" : status.message();
}

// A reference PNG read with OpenCV and turned into RGB.
cv::Mat ReadExpectedRgb(const std::string& path) {
  cv::Mat bgr = cv::imread(path, cv::IMREAD_COLOR);
  REQUIRE(!bgr.empty());
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  return rgb;
}

double MeanAbsoluteDifference(const cv::Mat& a, const cv::Mat& b) {
  cv::Mat difference;
  cv::absdiff(a, b, difference);
  cv::Scalar mean = cv::mean(difference);
  return (mean[0] + mean[1] + mean[2]) / 3;
}

double MaxAbsoluteDifference(const cv::Mat& a, const cv::Mat& b) {
  cv::Mat difference;
  cv::absdiff(a, b, difference);
  double max_value = 0;
  cv::minMaxLoc(difference.reshape(1), nullptr, &max_value);
  return max_value;
}

std::string Encode(const std::string& extension, const cv::Mat& image, const std::vector<int>& params = {}) {
  std::vector<uint8_t> buffer;
  REQUIRE(cv::imencode(extension, image, buffer, params));
  return std::string(buffer.begin(), buffer.end());
}

cv::Vec3b PixelAt(const DecodedImage& image, int x, int y) { return image.rgb.at<cv::Vec3b>(y, x); }

uint32_t Crc32(const std::string& bytes) {
  uint32_t crc = 0xFFFFFFFF;
  for (unsigned char byte : bytes) {
    crc ^= byte;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xEDB88320 & (0 - (crc & 1)));
  }
  return ~crc;
}

std::string BigEndian32(uint32_t value) {
  return std::string{char(value >> 24), char(value >> 16), char(value >> 8), char(value)};
}

// Inserts an eXIf chunk whose IFD0 holds only the Orientation tag right after IHDR.
std::string WithPngExifOrientation(const std::string& png, int orientation) {
  const std::string tiff = std::string("MM\0*\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01\0", 19) +
                           char(orientation) + std::string(6, '\0');
  const std::string type_and_data = "eXIf" + tiff;
  const std::string chunk = BigEndian32(uint32_t(tiff.size())) + type_and_data + BigEndian32(Crc32(type_and_data));
  const size_t after_ihdr = 8 + 8 + 13 + 4;
  return png.substr(0, after_ihdr) + chunk + png.substr(after_ihdr);
}

}  // namespace

TEST_CASE("decode rejects documents and empty files") {
  SMALLSET_REQUIRE_SHARED(shared);
  CHECK(DecodeReason(CasePath(shared, "html_403_page_named.jpg")) == "not an image (HTML)");
  CHECK(DecodeReason(CasePath(shared, "svg_named.jpg")) == "not a raster image (SVG)");
  CHECK(DecodeReason(CasePath(shared, "zero_bytes.jpg")) == "empty file");
  CHECK(DecodeReason(CasePath(shared, "heic_content_named.jpg")) == "unsupported format heic");
  CHECK(DecodeReason(CasePath(shared, "avif_content_named.jpg")) == "unsupported format avif");
}

TEST_CASE("decode rejects truncated JPEGs") {
  SMALLSET_REQUIRE_SHARED(shared);
  CHECK(DecodeReason(CasePath(shared, "truncated_baseline.jpg")) == "truncated/corrupt JPEG");
  CHECK(DecodeReason(CasePath(shared, "truncated_progressive.jpg")) == "truncated/corrupt JPEG");

  DecodedImage baseline = DecodeOk(CasePath(shared, "valid_reference.jpg"));
  CHECK(baseline.rgb.cols == 320);
  CHECK(baseline.rgb.rows == 240);
  DecodedImage progressive = DecodeOk(CasePath(shared, "progressive.jpg"));
  CHECK(progressive.rgb.cols == 320);
  CHECK(progressive.rgb.rows == 240);
}

TEST_CASE("decode rejects a JPEG cut anywhere") {
  SMALLSET_REQUIRE_SHARED(shared);
  std::string bytes = ReadBytes(CasePath(shared, "progressive.jpg"));
  for (double fraction : {0.3, 0.6, 0.9, 0.99}) {
    DecodedImage image;
    Status status = DecodeImage(bytes.substr(0, size_t(bytes.size() * fraction)), DecodeOptions(), &image);
    CHECK_MESSAGE(status.message() == "truncated/corrupt JPEG", "cut at " << fraction);
  }
}

TEST_CASE("decode converts Adobe CMYK to RGB") {
  SMALLSET_REQUIRE_SHARED(shared);
  DecodedImage image = DecodeOk(CasePath(shared, "cmyk_adobe.jpg"));
  cv::Mat expected = ReadExpectedRgb(CasePath(shared, "cmyk_adobe.expected_rgb.png"));
  REQUIRE(image.rgb.size() == expected.size());
  CHECK(MaxAbsoluteDifference(image.rgb, expected) <= 40);
}

TEST_CASE("decode applies EXIF orientation 6 and 8") {
  SMALLSET_REQUIRE_SHARED(shared);
  cv::Mat expected = ReadExpectedRgb(CasePath(shared, "exif_orientation.expected_upright.png"));
  for (const char* name : {"exif_orientation_6_arrow.jpg", "exif_orientation_8_arrow.jpg"}) {
    CAPTURE(name);
    DecodedImage image = DecodeOk(CasePath(shared, name));
    REQUIRE(image.rgb.cols == 180);
    REQUIRE(image.rgb.rows == 240);
    CHECK(image.original_width == 180);
    CHECK(image.original_height == 240);
    CHECK(MeanAbsoluteDifference(image.rgb, expected) < 3);
  }
}

TEST_CASE("decode keeps the high byte of 16-bit PNGs") {
  SMALLSET_REQUIRE_SHARED(shared);
  for (const char* stem : {"rgb_16bit", "gray_16bit"}) {
    CAPTURE(stem);
    DecodedImage image = DecodeOk(CasePath(shared, std::string(stem) + ".png"));
    cv::Mat expected = ReadExpectedRgb(CasePath(shared, std::string(stem) + ".expected_8bit.png"));
    REQUIRE(image.rgb.size() == expected.size());
    CHECK(MaxAbsoluteDifference(image.rgb, expected) <= 2);
  }
}

TEST_CASE("decode takes the first frame of an animated GIF") {
  SMALLSET_REQUIRE_SHARED(shared);
  DecodedImage image = DecodeOk(CasePath(shared, "animated_3frames.gif"));
  CHECK(image.format == SniffedFormat::kGif);
  CHECK(image.rgb.cols == 128);
  CHECK(image.rgb.rows == 128);

  // The first frame is red; the later ones are green and blue.
  cv::Scalar mean = cv::mean(image.rgb);
  CHECK(mean[0] > 2 * mean[1]);
  CHECK(mean[0] > 2 * mean[2]);
}

TEST_CASE("decode rejects huge headers before decoding") {
  SMALLSET_REQUIRE_SHARED(shared);
  CHECK(DecodeReason(CasePath(shared, "bomb_30000x30000_1bit.png")) == "too many pixels: 900000000 > 50000000");
  CHECK(DecodeReason(CasePath(shared, "jpeg_header_claims_65000x65000.jpg")) ==
        "too many pixels: 4225000000 > 50000000");
}

TEST_CASE("decode goes by content, not extension") {
  SMALLSET_REQUIRE_SHARED(shared);
  struct Case {
    const char* name;
    SniffedFormat format;
  };
  const Case cases[] = {
      {"png_content_named.jpg", SniffedFormat::kPng},   {"webp_content_named.jpg", SniffedFormat::kWebp},
      {"gif_content_named.jpg", SniffedFormat::kGif},   {"jpeg_content_named.png", SniffedFormat::kJpeg},
      {"jpeg_content_named.heic", SniffedFormat::kJpeg}, {"jpeg_content_no_extension", SniffedFormat::kJpeg},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    DecodedImage image = DecodeOk(CasePath(shared, c.name));
    CHECK(image.format == c.format);
    CHECK(image.rgb.cols == 200);
    CHECK(image.rgb.rows == 150);
  }
}

TEST_CASE("decode rejects tiny images") {
  SMALLSET_REQUIRE_SHARED(shared);
  CHECK(DecodeReason(CasePath(shared, "one_pixel.gif")) == "too small: 1x1 < 64");
  CHECK(DecodeReason(CasePath(shared, "tiny_16x16.png")) == "too small: 16x16 < 64");

  DecodeOptions lenient;
  lenient.min_side = 16;
  DecodedImage image;
  CHECK(DecodeFile(CasePath(shared, "tiny_16x16.png"), &image, lenient).ok());
}

TEST_CASE("decode expands grayscale JPEG to three equal channels") {
  SMALLSET_REQUIRE_SHARED(shared);
  DecodedImage image = DecodeOk(CasePath(shared, "grayscale_1ch.jpg"));
  CHECK(image.rgb.cols == 256);
  CHECK(image.rgb.rows == 192);
  std::vector<cv::Mat> channels;
  cv::split(image.rgb, channels);
  CHECK(cv::countNonZero(channels[0] != channels[1]) == 0);
  CHECK(cv::countNonZero(channels[0] != channels[2]) == 0);
  CHECK(cv::countNonZero(channels[0]) > 0);
}

TEST_CASE("decode composites transparency onto white") {
  // Left half opaque blue, right half fully transparent red.
  cv::Mat bgra(100, 100, CV_8UC4, cv::Scalar(255, 0, 0, 255));
  bgra(cv::Rect(50, 0, 50, 100)).setTo(cv::Scalar(0, 0, 255, 0));
  for (const char* extension : {".png", ".webp"}) {
    CAPTURE(extension);
    std::vector<int> params;
    if (std::string(extension) == ".webp") params = {cv::IMWRITE_WEBP_QUALITY, 101};  // lossless
    DecodedImage image;
    REQUIRE(DecodeImage(Encode(extension, bgra, params), DecodeOptions(), &image).ok());
    CHECK(PixelAt(image, 10, 10) == cv::Vec3b(0, 0, 255));
    CHECK(PixelAt(image, 90, 10) == cv::Vec3b(255, 255, 255));
  }

  // Half-transparent black over white is mid grey.
  cv::Mat half(80, 80, CV_8UC4, cv::Scalar(0, 0, 0, 128));
  DecodedImage grey;
  REQUIRE(DecodeImage(Encode(".png", half), DecodeOptions(), &grey).ok());
  cv::Vec3b pixel = PixelAt(grey, 40, 40);
  CHECK(pixel[0] == doctest::Approx(127).epsilon(0.02));
  CHECK(pixel[0] == pixel[1]);
}

TEST_CASE("decode applies a PNG eXIf orientation") {
  // 120x90, left half red, right half blue; orientation 6 turns it 90 degrees clockwise.
  cv::Mat bgr(90, 120, CV_8UC3, cv::Scalar(0, 0, 255));
  bgr(cv::Rect(60, 0, 60, 90)).setTo(cv::Scalar(255, 0, 0));
  DecodedImage image;
  REQUIRE(DecodeImage(WithPngExifOrientation(Encode(".png", bgr), 6), DecodeOptions(), &image).ok());
  CHECK(image.exif_orientation == 6);
  CHECK(image.rgb.cols == 90);
  CHECK(image.rgb.rows == 120);
  CHECK(image.original_width == 90);
  CHECK(PixelAt(image, 45, 10) == cv::Vec3b(255, 0, 0));  // red is now on top
  CHECK(PixelAt(image, 45, 110) == cv::Vec3b(0, 0, 255));
}

TEST_CASE("decode reads BMP and TIFF") {
  cv::Mat bgr(90, 120, CV_8UC3, cv::Scalar(10, 200, 30));
  for (const char* extension : {".bmp", ".tiff"}) {
    CAPTURE(extension);
    DecodedImage image;
    REQUIRE(DecodeImage(Encode(extension, bgr), DecodeOptions(), &image).ok());
    CHECK(image.rgb.cols == 120);
    CHECK(image.rgb.rows == 90);
    CHECK(PixelAt(image, 5, 5) == cv::Vec3b(30, 200, 10));
  }
}

TEST_CASE("decode checks BMP and TIFF header sizes") {
  cv::Mat small(20, 200, CV_8UC3, cv::Scalar(0, 0, 0));
  for (const char* extension : {".bmp", ".tiff", ".png", ".webp"}) {
    CAPTURE(extension);
    DecodedImage image;
    Status status = DecodeImage(Encode(extension, small), DecodeOptions(), &image);
    CHECK(status.message() == "too small: 200x20 < 64");

    DecodeOptions few_pixels;
    few_pixels.min_side = 1;
    few_pixels.max_pixels = 1000;
    status = DecodeImage(Encode(extension, small), few_pixels, &image);
    CHECK(status.message() == "too many pixels: 4000 > 1000");
  }
}

TEST_CASE("decode scales large JPEGs by the DCT") {
  cv::Mat bgr(1600, 2400, CV_8UC3);
  cv::randu(bgr, 0, 255);
  std::string jpeg = Encode(".jpg", bgr);

  DecodeOptions options;
  options.target_short_side = 256;
  DecodedImage image;
  REQUIRE(DecodeImage(jpeg, options, &image).ok());
  CHECK(image.scale_denominator == 4);
  CHECK(image.rgb.cols == 600);
  CHECK(image.rgb.rows == 400);
  CHECK(image.original_width == 2400);
  CHECK(image.original_height == 1600);

  options.target_short_side = 0;
  REQUIRE(DecodeImage(jpeg, options, &image).ok());
  CHECK(image.scale_denominator == 1);
  CHECK(image.rgb.cols == 2400);
}

TEST_CASE("decode rejects a cut PNG and GIF") {
  SMALLSET_REQUIRE_SHARED(shared);
  std::string png = ReadBytes(CasePath(shared, "png_content_named.jpg"));
  std::string gif = ReadBytes(CasePath(shared, "gif_content_named.jpg"));
  DecodedImage image;
  CHECK(DecodeImage(png.substr(0, png.size() / 2), DecodeOptions(), &image).message() == "truncated/corrupt PNG");
  CHECK(DecodeImage(gif.substr(0, gif.size() / 2), DecodeOptions(), &image).message() == "truncated/corrupt GIF");
}

}  // namespace smallset
