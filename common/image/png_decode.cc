// PNG through libdeflate and a chunk reader of our own.
//
// PNG does not go through libpng (via OpenCV) as the other formats do, because curate
// hashes every picture and train presizes it. Through OpenCV, a full-size RGBA copy, a
// full-size conversion to RGB and a full-size resize were most of the work, and zlib's
// inflate is slower than libdeflate's. Here the inflated rows are unfiltered in place and
// converted to RGB with transparency composited onto white. When the caller asks for a
// small picture, they are averaged in boxes of k x k pixels as they arrive.
// docs/benchmarks.md has the figures.
//
// The checks match libpng's defaults: the CRC of every critical chunk, the IHDR fields,
// a complete zlib stream with a correct Adler-32 that contains exactly the bytes IHDR
// implies, known filter types, and IEND. An ancillary chunk with a bad CRC is ignored,
// and so are gamma, colour profiles and text; an unknown critical chunk is corruption.
#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <libdeflate.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "common/image/decode_internal.h"
#include "common/image/exif.h"
#include "common/image/header.h"
#include "common/log.h"

namespace smallset {
namespace {

constexpr int kGrey = 0;
constexpr int kRgb = 2;
constexpr int kPalette = 3;
constexpr int kGreyAlpha = 4;
constexpr int kRgba = 6;

uint32_t BigEndian32(const uint8_t* p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]; }

struct PngInfo {
  uint32_t width = 0;
  uint32_t height = 0;
  int bit_depth = 0;
  int color_type = 0;
  bool interlaced = false;
  int exif_orientation = 1;

  // Palette as RGBA; entries past the PLTE chunk stay opaque black, as libpng leaves them.
  std::array<uint8_t, 256 * 4> palette{};
  uint32_t palette_size = 0;

  // tRNS for grey and RGB pictures: the one sample value (at full bit depth) that is transparent.
  bool has_transparent_value = false;
  std::array<uint16_t, 3> transparent_value{};

  std::string idat;  // every IDAT chunk's data, in order

  int Channels() const {
    switch (color_type) {
      case kRgb: return 3;
      case kGreyAlpha: return 2;
      case kRgba: return 4;
      default: return 1;
    }
  }
  size_t RowBytes(uint32_t columns) const { return (size_t(columns) * Channels() * bit_depth + 7) / 8; }
  // Distance in bytes to the corresponding byte of the pixel to the left, for filtering.
  int FilterStride() const { return std::max(1, Channels() * bit_depth / 8); }
};

Status Corrupt(const char* why) {
  SMALLSET_LOG_DEBUG("PNG: %s", why);
  return CorruptImage(SniffedFormat::kPng);
}

bool ValidBitDepth(int color_type, int depth) {
  switch (color_type) {
    case kGrey: return depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16;
    case kPalette: return depth == 1 || depth == 2 || depth == 4 || depth == 8;
    case kRgb:
    case kGreyAlpha:
    case kRgba: return depth == 8 || depth == 16;
    default: return false;
  }
}

Status ReadIhdr(const uint8_t* data, uint32_t length, PngInfo* info) {
  if (length != 13) return Corrupt("IHDR length is not 13");
  info->width = BigEndian32(data);
  info->height = BigEndian32(data + 4);
  info->bit_depth = data[8];
  info->color_type = data[9];
  const int compression = data[10], filter = data[11], interlace = data[12];
  if (info->width == 0 || info->height == 0 || info->width > 0x7FFFFFFF || info->height > 0x7FFFFFFF) {
    return Corrupt("IHDR dimensions out of range");
  }
  if (!ValidBitDepth(info->color_type, info->bit_depth)) return Corrupt("IHDR colour type and bit depth do not match");
  if (compression != 0 || filter != 0 || interlace > 1) return Corrupt("IHDR method field out of range");
  info->interlaced = interlace == 1;
  return Status::Ok();
}

// Entries beyond what the bit depth can index are dropped, as libpng drops them.
void ReadPalette(const uint8_t* data, uint32_t length, PngInfo* info) {
  const uint32_t limit = info->color_type == kPalette ? 1u << info->bit_depth : 256;
  info->palette_size = std::min(length / 3, limit);
  for (uint32_t i = 0; i < info->palette_size; ++i) {
    std::memcpy(&info->palette[i * 4], data + i * 3, 3);
    info->palette[i * 4 + 3] = 255;
  }
  for (uint32_t i = info->palette_size; i < 256; ++i) info->palette[i * 4 + 3] = 255;
}

// A tRNS chunk that does not fit the colour type (wrong size, more entries than the
// palette, before PLTE) is ignored, as libpng ignores it.
void ReadTransparency(const uint8_t* data, uint32_t length, PngInfo* info) {
  if (info->color_type == kPalette && length > 0 && length <= info->palette_size) {
    for (uint32_t i = 0; i < length; ++i) info->palette[i * 4 + 3] = data[i];
  } else if (info->color_type == kGrey && length == 2) {
    info->transparent_value[0] = uint16_t(data[0] << 8 | data[1]);
    info->has_transparent_value = true;
  } else if (info->color_type == kRgb && length == 6) {
    for (int c = 0; c < 3; ++c) info->transparent_value[c] = uint16_t(data[2 * c] << 8 | data[2 * c + 1]);
    info->has_transparent_value = true;
  }
}

// Walks the chunks from IHDR to IEND, checking lengths and CRCs and keeping what decoding needs.
Status ReadChunks(std::string_view bytes, PngInfo* info) {
  const auto* file = reinterpret_cast<const uint8_t*>(bytes.data());
  size_t offset = 8;
  bool seen_ihdr = false;
  while (true) {
    if (offset + 12 > bytes.size()) return Corrupt("file ends before IEND");
    const uint32_t length = BigEndian32(file + offset);
    if (length > 0x7FFFFFFF || length > bytes.size() - offset - 12) return Corrupt("chunk runs past the end of the file");
    const uint8_t* type = file + offset + 4;
    const uint8_t* data = type + 4;
    const bool critical = (type[0] & 0x20) == 0;
    const bool crc_ok = libdeflate_crc32(0, type, length + 4) == BigEndian32(data + length);
    offset += 12 + size_t(length);

    if (!crc_ok) {
      if (critical) return Corrupt("CRC mismatch in a critical chunk");
      continue;
    }
    const std::string_view name(reinterpret_cast<const char*>(type), 4);
    if (!seen_ihdr && name != "IHDR") return Corrupt("first chunk is not IHDR");
    if (name == "IHDR") {
      if (seen_ihdr) return Corrupt("second IHDR");
      SMALLSET_RETURN_IF_ERROR(ReadIhdr(data, length, info));
      seen_ihdr = true;
    } else if (name == "PLTE") {
      ReadPalette(data, length, info);
    } else if (name == "tRNS") {
      ReadTransparency(data, length, info);
    } else if (name == "eXIf") {
      info->exif_orientation = ParseExifOrientation(std::string_view(reinterpret_cast<const char*>(data), length));
    } else if (name == "IDAT") {
      info->idat.append(reinterpret_cast<const char*>(data), length);
    } else if (name == "IEND") {
      return Status::Ok();
    } else if (critical) {
      return Corrupt("unknown critical chunk");
    }
  }
}

// One interlace pass (or the whole picture): where its pixels go and how big it is.
struct Pass {
  uint32_t x0, y0, dx, dy;
  uint32_t columns, rows;
};

std::vector<Pass> PassesOf(const PngInfo& info) {
  if (!info.interlaced) return {Pass{0, 0, 1, 1, info.width, info.height}};
  static constexpr uint32_t kAdam7[7][4] = {{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4},
                                            {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}};
  std::vector<Pass> passes;
  for (const auto& p : kAdam7) {
    const uint32_t columns = info.width > p[0] ? (info.width - p[0] + p[2] - 1) / p[2] : 0;
    const uint32_t rows = info.height > p[1] ? (info.height - p[1] + p[3] - 1) / p[3] : 0;
    if (columns > 0 && rows > 0) passes.push_back(Pass{p[0], p[1], p[2], p[3], columns, rows});
  }
  return passes;
}

#if defined(__SSE2__)
// Reverses the Paeth filter one pixel at a time, with the pixel's bytes side by side in
// 16-bit lanes. Each pixel depends on the one to its left, so the lanes are the only
// parallelism available. kStride is a template argument so that the 3-, 4-, 6- and 8-byte
// copies compile to plain loads and stores instead of calls to memcpy.
template <int kStride>
void UnpaethPixels(uint8_t* row, const uint8_t* prior, size_t length) {
  const __m128i zero = _mm_setzero_si128();
  auto load = [](const uint8_t* p) {
    uint64_t bytes = 0;
    std::memcpy(&bytes, p, kStride);
    return _mm_cvtsi64_si128(int64_t(bytes));
  };
  auto abs16 = [zero](__m128i v) { return _mm_max_epi16(v, _mm_sub_epi16(zero, v)); };
  auto select = [](__m128i mask, __m128i yes, __m128i no) {
    return _mm_or_si128(_mm_and_si128(mask, yes), _mm_andnot_si128(mask, no));
  };

  __m128i a = zero, c = zero;  // left and upper-left pixels, widened
  for (size_t i = 0; i < length; i += kStride) {
    const __m128i b = _mm_unpacklo_epi8(load(prior + i), zero);
    const __m128i b_minus_c = _mm_sub_epi16(b, c);
    const __m128i a_minus_c = _mm_sub_epi16(a, c);
    const __m128i pa = abs16(b_minus_c);
    const __m128i pb = abs16(a_minus_c);
    const __m128i pc = abs16(_mm_add_epi16(b_minus_c, a_minus_c));
    const __m128i smallest = _mm_min_epi16(pa, _mm_min_epi16(pb, pc));

    // a on ties with b or c, then b before c, as the PNG specification orders them.
    __m128i predictor = select(_mm_cmpeq_epi16(pb, smallest), b, c);
    predictor = select(_mm_cmpeq_epi16(pa, smallest), a, predictor);
    const __m128i pixel = _mm_add_epi8(load(row + i), _mm_packus_epi16(predictor, zero));
    const uint64_t bytes = uint64_t(_mm_cvtsi128_si64(pixel));
    std::memcpy(row + i, &bytes, kStride);
    a = _mm_unpacklo_epi8(pixel, zero);
    c = b;
  }
}

void UnpaethRow(uint8_t* row, const uint8_t* prior, size_t length, int stride) {
  switch (stride) {
    case 1: return UnpaethPixels<1>(row, prior, length);
    case 2: return UnpaethPixels<2>(row, prior, length);
    case 3: return UnpaethPixels<3>(row, prior, length);
    case 4: return UnpaethPixels<4>(row, prior, length);
    case 6: return UnpaethPixels<6>(row, prior, length);
    default: return UnpaethPixels<8>(row, prior, length);
  }
}
#else
uint8_t Paeth(int a, int b, int c) {
  const int pa = std::abs(b - c), pb = std::abs(a - c), pc = std::abs(a + b - 2 * c);
  if (pa <= pb && pa <= pc) return uint8_t(a);
  return uint8_t(pb <= pc ? b : c);
}

void UnpaethRow(uint8_t* row, const uint8_t* prior, size_t length, int stride) {
  for (size_t i = 0; i < size_t(stride) && i < length; ++i) row[i] = uint8_t(row[i] + prior[i]);
  for (size_t i = stride; i < length; ++i) row[i] = uint8_t(row[i] + Paeth(row[i - stride], prior[i], prior[i - stride]));
}
#endif

// Reverses the row filter in place. `prior` is the previous unfiltered row (zeros for
// the first row of a pass). Returns false for an unknown filter type.
bool UnfilterRow(int filter, uint8_t* row, const uint8_t* prior, size_t length, int stride) {
  switch (filter) {
    case 0: return true;
    case 1:
      for (size_t i = stride; i < length; ++i) row[i] = uint8_t(row[i] + row[i - stride]);
      return true;
    case 2:
      for (size_t i = 0; i < length; ++i) row[i] = uint8_t(row[i] + prior[i]);
      return true;
    case 3:
      for (size_t i = 0; i < size_t(stride) && i < length; ++i) row[i] = uint8_t(row[i] + (prior[i] >> 1));
      for (size_t i = stride; i < length; ++i) row[i] = uint8_t(row[i] + ((row[i - stride] + prior[i]) >> 1));
      return true;
    case 4:
      UnpaethRow(row, prior, length, stride);
      return true;
    default: return false;
  }
}

// Onto white, with the same rounding as the OpenCV path (common/image/normalise.cc).
inline uint8_t OverWhite(int value, int alpha) { return uint8_t((value * alpha + 255 * (255 - alpha) + 127) / 255); }

// Sample `index` of a row packed at 1, 2, 4, 8 or 16 bits, at full bit depth.
inline int Sample(const uint8_t* row, size_t index, int depth) {
  switch (depth) {
    case 8: return row[index];
    case 16: return row[2 * index] << 8 | row[2 * index + 1];
    default: {
      const size_t bit = index * depth;
      return (row[bit / 8] >> (8 - depth - bit % 8)) & ((1 << depth) - 1);
    }
  }
}

// Scales a sample at `depth` bits to 8 bits: 16-bit keeps its high byte, 1/2/4-bit grey is
// stretched to 0..255 (x255, x85, x17) as libpng expands it.
inline int To8(int sample, int depth) {
  switch (depth) {
    case 16: return sample >> 8;
    case 8: return sample;
    default: return sample * 255 / ((1 << depth) - 1);
  }
}

// Converts one unfiltered row of `columns` pixels to 8-bit RGB composited onto white.
void ConvertRow(const PngInfo& info, const uint8_t* row, uint32_t columns, uint8_t* rgb) {
  const int depth = info.bit_depth;
  switch (info.color_type) {
    case kRgba:
      if (depth == 8) {
        for (uint32_t x = 0; x < columns; ++x, row += 4, rgb += 3) {
          if (row[3] == 255) {  // most pixels of most pictures
            std::memcpy(rgb, row, 3);
            continue;
          }
          rgb[0] = OverWhite(row[0], row[3]);
          rgb[1] = OverWhite(row[1], row[3]);
          rgb[2] = OverWhite(row[2], row[3]);
        }
        return;
      }
      for (uint32_t x = 0; x < columns; ++x, row += 8, rgb += 3) {
        for (int c = 0; c < 3; ++c) rgb[c] = OverWhite(row[2 * c], row[6]);
      }
      return;
    case kRgb:
      if (depth == 8 && !info.has_transparent_value) {
        std::memcpy(rgb, row, size_t(columns) * 3);
        return;
      }
      for (uint32_t x = 0; x < columns; ++x, rgb += 3) {
        int alpha = 255;
        if (info.has_transparent_value) {
          const bool match = Sample(row, 3 * x, depth) == info.transparent_value[0] &&
                             Sample(row, 3 * x + 1, depth) == info.transparent_value[1] &&
                             Sample(row, 3 * x + 2, depth) == info.transparent_value[2];
          alpha = match ? 0 : 255;
        }
        for (int c = 0; c < 3; ++c) rgb[c] = OverWhite(To8(Sample(row, 3 * x + c, depth), depth), alpha);
      }
      return;
    case kGreyAlpha:
      for (uint32_t x = 0; x < columns; ++x, rgb += 3) {
        const uint8_t grey = OverWhite(To8(Sample(row, 2 * x, depth), depth), To8(Sample(row, 2 * x + 1, depth), depth));
        rgb[0] = rgb[1] = rgb[2] = grey;
      }
      return;
    case kGrey:
      if (depth == 8 && !info.has_transparent_value) {
        for (uint32_t x = 0; x < columns; ++x, rgb += 3) rgb[0] = rgb[1] = rgb[2] = row[x];
        return;
      }
      for (uint32_t x = 0; x < columns; ++x, rgb += 3) {
        const int sample = Sample(row, x, depth);
        const int alpha = info.has_transparent_value && sample == info.transparent_value[0] ? 0 : 255;
        rgb[0] = rgb[1] = rgb[2] = OverWhite(To8(sample, depth), alpha);
      }
      return;
    case kPalette:
      for (uint32_t x = 0; x < columns; ++x, rgb += 3) {
        const uint8_t* entry = &info.palette[Sample(row, x, depth) * 4];
        for (int c = 0; c < 3; ++c) rgb[c] = OverWhite(entry[c], entry[3]);
      }
      return;
  }
}

// Receives full-width RGB rows top to bottom and writes them either as they are or
// averaged over boxes of `factor` x `factor` pixels. Partial boxes at the right and bottom
// edges average the pixels they contain.
class RowSink {
 public:
  RowSink(uint32_t width, uint32_t height, int factor)
      : width_(width), height_(height), factor_(factor),
        out_(int((height + factor - 1) / factor), int((width + factor - 1) / factor), CV_8UC3) {
    if (factor_ > 1) sums_.assign(size_t(out_.cols) * 3, 0);
  }

  // The buffer that the next row is converted into.
  uint8_t* NextRow() {
    if (factor_ == 1) return out_.ptr<uint8_t>(int(row_));
    row_buffer_.resize(size_t(width_) * 3);
    return row_buffer_.data();
  }

  void Commit() {
    if (factor_ > 1) Accumulate();
    ++row_;
  }

  cv::Mat Take() { return std::move(out_); }

 private:
  void Accumulate() {
    const uint8_t* pixel = row_buffer_.data();
    for (uint32_t x0 = 0; x0 < width_; x0 += factor_) {
      uint32_t* sum = &sums_[size_t(x0 / factor_) * 3];
      const uint32_t x1 = std::min(width_, x0 + factor_);
      for (uint32_t x = x0; x < x1; ++x, pixel += 3) {
        sum[0] += pixel[0];
        sum[1] += pixel[1];
        sum[2] += pixel[2];
      }
    }
    const bool box_done = (row_ + 1) % factor_ == 0 || row_ + 1 == height_;
    if (!box_done) return;
    const uint32_t box_rows = row_ % factor_ + 1;
    uint8_t* out = out_.ptr<uint8_t>(int(row_ / factor_));
    for (int bx = 0; bx < out_.cols; ++bx) {
      const uint32_t box_columns = std::min<uint32_t>(factor_, width_ - uint32_t(bx) * factor_);
      const uint32_t count = box_rows * box_columns;
      for (int c = 0; c < 3; ++c) out[bx * 3 + c] = uint8_t((sums_[size_t(bx) * 3 + c] + count / 2) / count);
    }
    std::fill(sums_.begin(), sums_.end(), 0);
  }

  uint32_t width_, height_;
  uint32_t factor_;
  uint32_t row_ = 0;
  cv::Mat out_;
  std::vector<uint8_t> row_buffer_;
  std::vector<uint32_t> sums_;
};

// Inflates the IDAT stream into `raw`, which must come out exactly `size` bytes long.
Status Inflate(const std::string& idat, size_t size, std::unique_ptr<uint8_t[]>* raw) {
  raw->reset(new uint8_t[size]);
  libdeflate_decompressor* inflater = libdeflate_alloc_decompressor();
  if (inflater == nullptr) return Status::Failed("out of memory while decoding");
  const libdeflate_result result = libdeflate_zlib_decompress(inflater, idat.data(), idat.size(), raw->get(), size, nullptr);
  libdeflate_free_decompressor(inflater);
  switch (result) {
    case LIBDEFLATE_SUCCESS: return Status::Ok();
    case LIBDEFLATE_SHORT_OUTPUT: return Corrupt("image data ends early");
    case LIBDEFLATE_INSUFFICIENT_SPACE: return Corrupt("more image data than IHDR implies");
    default: return Corrupt("zlib stream is damaged");
  }
}

// Unfilters and converts every pass in `raw`. A non-interlaced picture goes row by row into
// `sink`; an interlaced one is assembled at full size first and then fed to it.
Status DecodeRows(const PngInfo& info, uint8_t* raw, RowSink* sink) {
  const std::vector<Pass> passes = PassesOf(info);
  const int stride = info.FilterStride();
  std::vector<uint8_t> zeros(info.RowBytes(info.width), 0);
  cv::Mat assembled;
  if (info.interlaced) assembled.create(int(info.height), int(info.width), CV_8UC3);
  std::vector<uint8_t> pass_rgb;

  for (const Pass& pass : passes) {
    const size_t row_bytes = info.RowBytes(pass.columns);
    const uint8_t* prior = zeros.data();
    for (uint32_t y = 0; y < pass.rows; ++y, raw += row_bytes + 1) {
      uint8_t* row = raw + 1;
      if (!UnfilterRow(raw[0], row, prior, row_bytes, stride)) return Corrupt("unknown filter type");
      prior = row;
      if (!info.interlaced) {
        ConvertRow(info, row, pass.columns, sink->NextRow());
        sink->Commit();
        continue;
      }
      pass_rgb.resize(size_t(pass.columns) * 3);
      ConvertRow(info, row, pass.columns, pass_rgb.data());
      uint8_t* target = assembled.ptr<uint8_t>(int(pass.y0 + y * pass.dy));
      for (uint32_t x = 0; x < pass.columns; ++x) std::memcpy(target + (pass.x0 + x * pass.dx) * 3, &pass_rgb[x * 3], 3);
    }
  }
  for (int y = 0; info.interlaced && y < assembled.rows; ++y) {
    std::memcpy(sink->NextRow(), assembled.ptr<uint8_t>(y), size_t(info.width) * 3);
    sink->Commit();
  }
  return Status::Ok();
}

// The largest box size that keeps the short side at or above `target_short_side`.
int ChooseBoxFactor(uint32_t width, uint32_t height, int target_short_side) {
  if (target_short_side <= 0) return 1;
  return int(std::max<uint32_t>(1, std::min(width, height) / uint32_t(target_short_side)));
}

}  // namespace

Status DecodePng(std::string_view bytes, const DecodeOptions& options, DecodedImage* out) {
  // The size limits come first, from IHDR alone: a bomb is "too many pixels" even when it is
  // also damaged further on.
  ImageHeader header;
  SMALLSET_RETURN_IF_ERROR(ReadRasterHeader(SniffedFormat::kPng, bytes, &header));
  SMALLSET_RETURN_IF_ERROR(CheckDimensions(header.width, header.height, options));

  PngInfo info;
  SMALLSET_RETURN_IF_ERROR(ReadChunks(bytes, &info));
  if (info.color_type == kPalette && info.palette_size == 0) return Corrupt("palette picture without PLTE");

  size_t raw_size = 0;
  for (const Pass& pass : PassesOf(info)) raw_size += size_t(pass.rows) * (info.RowBytes(pass.columns) + 1);
  std::unique_ptr<uint8_t[]> raw;
  SMALLSET_RETURN_IF_ERROR(Inflate(info.idat, raw_size, &raw));
  std::string().swap(info.idat);

  const int factor = ChooseBoxFactor(info.width, info.height, options.target_short_side);
  RowSink sink(info.width, info.height, factor);
  SMALLSET_RETURN_IF_ERROR(DecodeRows(info, raw.get(), &sink));

  out->rgb = ApplyExifOrientation(sink.Take(), info.exif_orientation);
  out->exif_orientation = info.exif_orientation;
  out->scale_denominator = factor;
  const bool swap = OrientationSwapsSides(info.exif_orientation);
  out->original_width = int(swap ? info.height : info.width);
  out->original_height = int(swap ? info.width : info.height);
  return Status::Ok();
}

}  // namespace smallset
