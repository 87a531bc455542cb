// libFuzzer target for the PNG pixel paths. Random bytes rarely survive PNG's CRCs and
// zlib's Adler-32, so this target builds a well-formed file from them instead. The file has
// IHDR fields (some invalid), PLTE and tRNS of any length, and image data of about the size
// IHDR implies, compressed with libdeflate. Unfiltering, conversion, Adam7 and the box
// reduction then see arbitrary rows. Build and run with tests/fuzz/run.sh.
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/image/decode.h"
#include "curate/phash.h"
#include "tests/support/png_writer.h"

namespace {

class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  uint8_t Byte() { return at_ < size_ ? data_[at_++] : 0; }

  std::string Bytes(size_t count) {
    std::string out;
    for (size_t i = 0; i < count; ++i) out.push_back(char(Byte()));
    return out;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t at_ = 0;
};

// Bytes of filtered image data that IHDR implies, over every Adam7 pass when interlaced.
size_t RawSize(uint32_t width, uint32_t height, int channels, int bit_depth, bool interlaced) {
  if (!interlaced) return height * (1 + (size_t(width) * channels * bit_depth + 7) / 8);
  size_t size = 0;
  for (const auto& pass : smallset::testing::kAdam7Passes) {
    const uint32_t columns = width > pass[0] ? (width - pass[0] + pass[2] - 1) / pass[2] : 0;
    const uint32_t rows = height > pass[1] ? (height - pass[1] + pass[3] - 1) / pass[3] : 0;
    if (columns > 0 && rows > 0) size += rows * (1 + (size_t(columns) * channels * bit_depth + 7) / 8);
  }
  return size;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput input(data, size);
  const uint32_t width = 1 + input.Byte() % 70;
  const uint32_t height = 1 + input.Byte() % 70;
  const int color_type = input.Byte() % 8;          // 1, 5 and 7 are invalid
  const int bit_depth = 1 << (input.Byte() % 5);    // 1..16, not every pair is valid
  const int interlace = input.Byte() % 3;           // 2 is invalid
  const int palette_bytes = input.Byte() * 3;
  const int transparency_bytes = input.Byte();
  const int target_short_side = input.Byte() % 40;
  const int size_error = int(int8_t(input.Byte())) % 8;  // image data a few bytes off now and then

  std::string png("\x89PNG\r\n\x1a\n", 8);
  std::string header;
  smallset::testing::AppendBigEndian32(&header, width);
  smallset::testing::AppendBigEndian32(&header, height);
  header += {char(bit_depth), char(color_type), 0, 0, char(interlace)};
  smallset::testing::AppendPngChunk(&png, "IHDR", header);
  if (palette_bytes > 0) smallset::testing::AppendPngChunk(&png, "PLTE", input.Bytes(size_t(palette_bytes)));
  if (transparency_bytes > 0) smallset::testing::AppendPngChunk(&png, "tRNS", input.Bytes(size_t(transparency_bytes)));

  size_t raw_size = RawSize(width, height, smallset::testing::PngChannels(color_type), bit_depth, interlace == 1);
  if (size_error < 0 && size_t(-size_error) > raw_size) raw_size = 0;
  else raw_size = size_t(int64_t(raw_size) + size_error);
  smallset::testing::AppendPngChunk(&png, "IDAT", smallset::testing::ZlibCompress(input.Bytes(raw_size), 1));
  smallset::testing::AppendPngChunk(&png, "IEND", "");

  smallset::DecodeOptions options;
  options.min_side = 1;
  options.target_short_side = target_short_side;
  smallset::DecodedImage image;
  if (smallset::DecodeImage(png, options, &image).ok()) {
    if (image.rgb.type() != CV_8UC3 || image.rgb.empty()) __builtin_trap();
    (void)smallset::PerceptualHash(image.rgb);
  }
  return 0;
}
