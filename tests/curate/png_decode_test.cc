// The PNG decoder (common/image/png_decode.cc) against libpng, through OpenCV, on pictures
// written here in every colour type, bit depth and filter, interlaced and not, and on
// damaged files.
#include <doctest/doctest.h>

#include <libdeflate.h>

#include <opencv2/imgcodecs.hpp>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/image/decode.h"
#include "common/image/decode_internal.h"
#include "tests/support/png_writer.h"

namespace smallset {
namespace {

struct PngSpec {
  int width = 67;
  int height = 45;
  int color_type = 6;
  int bit_depth = 8;
  bool interlaced = false;
  bool transparency = false;  // a tRNS chunk (grey, RGB and palette pictures)
};

// Deterministic samples that use the whole range of the bit depth.
std::vector<uint16_t> MakeSamples(const PngSpec& spec) {
  int max_value = (1 << spec.bit_depth) - 1;
  if (spec.color_type == 3) max_value = std::min(max_value, 11);  // 12 palette entries
  std::vector<uint16_t> samples(size_t(spec.width) * spec.height * testing::PngChannels(spec.color_type));
  uint32_t state = 12345;
  for (uint16_t& sample : samples) {
    state = state * 1103515245 + 12345;
    sample = uint16_t((state >> 8) % uint32_t(max_value + 1));
  }
  return samples;
}

int PaethPredictor(int a, int b, int c) {
  const int pa = std::abs(b - c), pb = std::abs(a - c), pc = std::abs(a + b - 2 * c);
  if (pa <= pb && pa <= pc) return a;
  if (pb <= pc) return b;
  return c;
}

// The value that filter type `filter` subtracts, from the left, upper and upper-left bytes.
int Predictor(int filter, int a, int b, int c) {
  switch (filter) {
    case 1: return a;
    case 2: return b;
    case 3: return (a + b) / 2;
    case 4: return PaethPredictor(a, b, c);
    default: return 0;
  }
}

// Packs and filters the rows of one pass (filter type = row number % 5).
void AppendPass(const PngSpec& spec, const std::vector<uint16_t>& samples, int x0, int y0, int dx, int dy,
                std::string* raw) {
  const int channels = testing::PngChannels(spec.color_type);
  const int columns = spec.width > x0 ? (spec.width - x0 + dx - 1) / dx : 0;
  const int rows = spec.height > y0 ? (spec.height - y0 + dy - 1) / dy : 0;
  if (columns == 0 || rows == 0) return;
  const size_t row_bytes = (size_t(columns) * channels * spec.bit_depth + 7) / 8;
  const int stride = std::max(1, channels * spec.bit_depth / 8);
  std::vector<uint8_t> prior(row_bytes, 0), row(row_bytes);
  for (int r = 0; r < rows; ++r) {
    std::fill(row.begin(), row.end(), 0);
    for (int c = 0; c < columns; ++c) {
      for (int ch = 0; ch < channels; ++ch) {
        const size_t index = size_t(c) * channels + ch;
        const uint16_t value = samples[(size_t(y0 + r * dy) * spec.width + x0 + c * dx) * channels + ch];
        if (spec.bit_depth == 16) {
          row[index * 2] = uint8_t(value >> 8);
          row[index * 2 + 1] = uint8_t(value);
        } else {
          const size_t bit = index * spec.bit_depth;
          row[bit / 8] |= uint8_t(value << (8 - spec.bit_depth - bit % 8));
        }
      }
    }
    const int filter = r % 5;
    raw->push_back(char(filter));
    for (size_t i = 0; i < row_bytes; ++i) {
      const bool has_left = i >= size_t(stride);
      const int a = has_left ? row[i - stride] : 0;
      const int b = prior[i];
      const int c = has_left ? prior[i - stride] : 0;
      raw->push_back(char(uint8_t(row[i] - Predictor(filter, a, b, c))));
    }
    prior = row;
  }
}

std::string WritePng(const PngSpec& spec, const std::vector<uint16_t>& samples) {
  std::string png("\x89PNG\r\n\x1a\n", 8);
  std::string ihdr;
  testing::AppendBigEndian32(&ihdr, uint32_t(spec.width));
  testing::AppendBigEndian32(&ihdr, uint32_t(spec.height));
  ihdr += {char(spec.bit_depth), char(spec.color_type), 0, 0, char(spec.interlaced ? 1 : 0)};
  testing::AppendPngChunk(&png, "IHDR", ihdr);
  testing::AppendPngChunk(&png, "tEXt", std::string("Comment\0made by the test", 24));
  if (spec.color_type == 3) {
    std::string palette;
    for (int i = 0; i < 12; ++i) palette += {char(i * 20), char(255 - i * 20), char(i * 7)};
    testing::AppendPngChunk(&png, "PLTE", palette);
  }
  if (spec.transparency) {
    // Grey and RGB get the first pixel's sample value. The palette gets entries 0-3 partly
    // transparent, more than a 1-bit palette has, so libpng ignores them there.
    std::string trns;
    if (spec.color_type == 3) {
      trns = {char(0), char(60), char(128), char(250)};
    } else {
      for (int ch = 0; ch < testing::PngChannels(spec.color_type); ++ch) trns += {char(samples[ch] >> 8), char(samples[ch])};
    }
    testing::AppendPngChunk(&png, "tRNS", trns);
  }

  std::string raw;
  if (!spec.interlaced) {
    AppendPass(spec, samples, 0, 0, 1, 1, &raw);
  } else {
    for (const auto& pass : testing::kAdam7Passes) {
      AppendPass(spec, samples, int(pass[0]), int(pass[1]), int(pass[2]), int(pass[3]), &raw);
    }
  }
  const std::string compressed = testing::ZlibCompress(raw);
  // Two IDAT chunks, as most encoders split the stream.
  testing::AppendPngChunk(&png, "IDAT", compressed.substr(0, compressed.size() / 2));
  testing::AppendPngChunk(&png, "IDAT", compressed.substr(compressed.size() / 2));
  testing::AppendPngChunk(&png, "IEND", "");
  return png;
}

// What libpng gives, normalised as the OpenCV path normalises it.
cv::Mat DecodeWithLibpng(const std::string& png) {
  const cv::Mat encoded(1, int(png.size()), CV_8U, const_cast<char*>(png.data()));
  cv::Mat decoded = cv::imdecode(encoded, cv::IMREAD_UNCHANGED);
  REQUIRE(!decoded.empty());
  cv::Mat rgb;
  REQUIRE(NormaliseOpenCvPixels(decoded, &rgb).ok());
  return rgb;
}

DecodeOptions AnySize() {
  DecodeOptions options;
  options.min_side = 1;
  return options;
}

cv::Mat DecodeOk(const std::string& png, DecodeOptions options = AnySize()) {
  DecodedImage image;
  const Status status = DecodeImage(png, options, &image);
  REQUIRE_MESSAGE(status.ok(), status.ToString());
  REQUIRE(image.rgb.type() == CV_8UC3);
  return image.rgb;
}

bool SameImage(const cv::Mat& a, const cv::Mat& b) {
  return a.size() == b.size() && a.type() == b.type() && cv::countNonZero(a.reshape(1) != b.reshape(1)) == 0;
}

std::string Describe(const PngSpec& spec) {
  return "colour type " + std::to_string(spec.color_type) + ", " + std::to_string(spec.bit_depth) + " bits" +
         (spec.interlaced ? ", interlaced" : "") + (spec.transparency ? ", tRNS" : "");
}

TEST_CASE("PNG matches libpng in every format") {
  const std::vector<std::pair<int, std::vector<int>>> depths = {
      {0, {1, 2, 4, 8, 16}}, {2, {8, 16}}, {3, {1, 2, 4, 8}}, {4, {8, 16}}, {6, {8, 16}}};
  int checked = 0;
  for (const auto& [color_type, bit_depths] : depths) {
    for (int bit_depth : bit_depths) {
      for (bool interlaced : {false, true}) {
        for (bool transparency : {false, true}) {
          // libpng through OpenCV ignores tRNS in grey pictures; that case has its own test.
          if (transparency && (color_type == 0 || color_type == 4 || color_type == 6)) continue;
          PngSpec spec{67, 45, color_type, bit_depth, interlaced, transparency};
          const std::string png = WritePng(spec, MakeSamples(spec));
          CAPTURE(Describe(spec));
          CHECK(SameImage(DecodeOk(png), DecodeWithLibpng(png)));
          ++checked;
        }
      }
    }
  }
  CHECK(checked == 42);
}

TEST_CASE("PNG grey tRNS becomes white") {
  PngSpec spec{40, 30, 0, 8, false, true};
  std::vector<uint16_t> samples = MakeSamples(spec);
  samples[0] = 17;   // the transparent value (tRNS takes the first pixel's sample)
  samples[1] = 18;   // opaque
  samples[45] = 17;  // transparent as well
  const cv::Mat rgb = DecodeOk(WritePng(spec, samples));
  CHECK(rgb.at<cv::Vec3b>(0, 0) == cv::Vec3b(255, 255, 255));
  CHECK(rgb.at<cv::Vec3b>(0, 1) == cv::Vec3b(18, 18, 18));
  CHECK(rgb.at<cv::Vec3b>(1, 5) == cv::Vec3b(255, 255, 255));
}

TEST_CASE("PNG reduced decode averages boxes") {
  PngSpec spec{203, 131, 2, 8, false, false};
  const std::string png = WritePng(spec, MakeSamples(spec));
  const cv::Mat full = DecodeOk(png);
  DecodeOptions options = AnySize();
  options.target_short_side = 64;  // 131 / 64 = 2: boxes of 2 x 2
  DecodedImage image;
  REQUIRE(DecodeImage(png, options, &image).ok());
  REQUIRE(image.rgb.cols == 102);
  REQUIRE(image.rgb.rows == 66);
  CHECK(image.scale_denominator == 2);
  CHECK(image.original_width == 203);
  CHECK(image.original_height == 131);

  for (const auto& [bx, by] : std::vector<std::pair<int, int>>{{0, 0}, {17, 40}, {101, 10}, {5, 65}, {101, 65}}) {
    for (int c = 0; c < 3; ++c) {
      int sum = 0, count = 0;
      for (int y = by * 2; y < std::min(by * 2 + 2, 131); ++y) {
        for (int x = bx * 2; x < std::min(bx * 2 + 2, 203); ++x, ++count) sum += full.at<cv::Vec3b>(y, x)[c];
      }
      CAPTURE(bx);
      CAPTURE(by);
      CHECK(int(image.rgb.at<cv::Vec3b>(by, bx)[c]) == (sum + count / 2) / count);
    }
  }
}

// Replaces the byte at `at` and fixes nothing else, not even the CRC.
std::string Damage(std::string png, size_t at, char value) {
  png[at] = value;
  return png;
}

Status DecodeStatus(const std::string& png) {
  DecodedImage image;
  const Status status = DecodeImage(png, AnySize(), &image);
  CHECK(image.rgb.empty() == !status.ok());
  return status;
}

TEST_CASE("damaged PNG rejected as corrupt") {
  PngSpec spec{80, 60, 6, 8, false, false};
  const std::string png = WritePng(spec, MakeSamples(spec));
  REQUIRE(DecodeStatus(png).ok());
  const size_t first_idat = png.find("IDAT") - 4;

  SUBCASE("cut at every length") {
    for (size_t length = 40; length < png.size(); length += 7) {
      CAPTURE(length);
      const Status status = DecodeStatus(png.substr(0, length));
      CHECK(status.message() == "truncated/corrupt PNG");
    }
  }
  SUBCASE("a flipped byte in IDAT fails its CRC") {
    CHECK(DecodeStatus(Damage(png, first_idat + 20, char(png[first_idat + 20] ^ 0x40))).message() == "truncated/corrupt PNG");
  }
  SUBCASE("a bad CRC on an ancillary chunk only drops that chunk") {
    const size_t text_crc = png.find("tEXt") + 4 + 24;
    CHECK(DecodeStatus(Damage(png, text_crc, char(png[text_crc] ^ 1))).ok());
  }
  SUBCASE("no IEND") {
    CHECK(DecodeStatus(png.substr(0, png.size() - 12)).message() == "truncated/corrupt PNG");
  }
  SUBCASE("an unknown filter type") {
    std::string raw(size_t(60) * (1 + 80 * 4), '\0');
    raw[(1 + 80 * 4) * 7] = 9;
    std::string bad = png.substr(0, first_idat);
    testing::AppendPngChunk(&bad, "IDAT", testing::ZlibCompress(raw));
    testing::AppendPngChunk(&bad, "IEND", "");
    CHECK(DecodeStatus(bad).message() == "truncated/corrupt PNG");
  }
  SUBCASE("image data one row short of what IHDR says") {
    std::string bad = png.substr(0, first_idat);
    testing::AppendPngChunk(&bad, "IDAT", testing::ZlibCompress(std::string(size_t(59) * (1 + 80 * 4), '\0')));
    testing::AppendPngChunk(&bad, "IEND", "");
    CHECK(DecodeStatus(bad).message() == "truncated/corrupt PNG");
  }
  SUBCASE("an unknown critical chunk") {
    std::string bad = png.substr(0, first_idat);
    testing::AppendPngChunk(&bad, "ABCD", "x");
    bad += png.substr(first_idat);
    CHECK(DecodeStatus(bad).message() == "truncated/corrupt PNG");
  }
}

}  // namespace
}  // namespace smallset
