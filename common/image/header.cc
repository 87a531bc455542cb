#include "common/image/header.h"

#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/image/decode_internal.h"
#include "common/image/exif.h"
#include "common/image/tiff_ifd.h"

namespace smallset {
namespace {

uint32_t BigEndian32(std::string_view b, size_t at) {
  return uint32_t(uint8_t(b[at])) << 24 | uint32_t(uint8_t(b[at + 1])) << 16 | uint32_t(uint8_t(b[at + 2])) << 8 |
         uint8_t(b[at + 3]);
}

uint32_t LittleEndian(std::string_view b, size_t at, int byte_count) {
  uint32_t value = 0;
  for (int i = byte_count - 1; i >= 0; --i) value = value << 8 | uint8_t(b[at + i]);
  return value;
}

// PNG: signature (8), then chunks of length (4, big-endian), type (4), data, CRC (4).
// IHDR comes first. An eXIf chunk is read only when it comes before IDAT.
Status ReadPngHeader(std::string_view bytes, ImageHeader* out) {
  if (bytes.size() < 24 || bytes.compare(12, 4, "IHDR") != 0) return CorruptImage(SniffedFormat::kPng);
  out->width = int(BigEndian32(bytes, 16) & 0x7FFFFFFF);
  out->height = int(BigEndian32(bytes, 20) & 0x7FFFFFFF);

  size_t offset = 8;
  while (offset + 8 <= bytes.size()) {
    uint64_t length = BigEndian32(bytes, offset);
    std::string_view type = bytes.substr(offset + 4, 4);
    if (type == "IDAT" || type == "IEND") break;
    if (type == "eXIf" && offset + 8 + length <= bytes.size()) {
      out->exif_orientation = ParseExifOrientation(bytes.substr(offset + 8, length));
      break;
    }
    offset += 12 + length;
  }
  return Status::Ok();
}

// The body of a WebP EXIF chunk is a TIFF block; some writers put "Exif\0\0" before it.
int WebpExifOrientation(std::string_view chunk) {
  if (chunk.substr(0, 6) == std::string_view("Exif\0\0", 6)) chunk.remove_prefix(6);
  return ParseExifOrientation(chunk);
}

// WebP: "RIFF" size "WEBP", then chunks of FourCC (4), size (4, little-endian), data padded
// to an even length. The first chunk is VP8 (lossy), VP8L (lossless) or VP8X (extended,
// which carries the canvas size and the animation and EXIF flags).
Status ReadWebpHeader(std::string_view bytes, ImageHeader* out) {
  if (bytes.size() < 30) return CorruptImage(SniffedFormat::kWebp);
  std::string_view fourcc = bytes.substr(12, 4);
  size_t data = 20;

  if (fourcc == "VP8 ") {
    if (bytes.compare(data + 3, 3, "\x9d\x01\x2a") != 0) return CorruptImage(SniffedFormat::kWebp);
    out->width = int(LittleEndian(bytes, data + 6, 2) & 0x3FFF);
    out->height = int(LittleEndian(bytes, data + 8, 2) & 0x3FFF);
    return Status::Ok();
  }
  if (fourcc == "VP8L") {
    if (uint8_t(bytes[data]) != 0x2F) return CorruptImage(SniffedFormat::kWebp);
    uint32_t bits = LittleEndian(bytes, data + 1, 4);
    out->width = int(bits & 0x3FFF) + 1;
    out->height = int((bits >> 14) & 0x3FFF) + 1;
    return Status::Ok();
  }
  if (fourcc != "VP8X") return CorruptImage(SniffedFormat::kWebp);

  uint8_t flags = uint8_t(bytes[data]);
  out->animated = (flags & 0x02) != 0;
  out->width = int(LittleEndian(bytes, data + 4, 3)) + 1;
  out->height = int(LittleEndian(bytes, data + 7, 3)) + 1;
  if ((flags & 0x08) == 0) return Status::Ok();

  size_t offset = 12;
  while (offset + 8 <= bytes.size()) {
    uint64_t length = LittleEndian(bytes, offset + 4, 4);
    if (bytes.compare(offset, 4, "EXIF") == 0 && offset + 8 + length <= bytes.size()) {
      out->exif_orientation = WebpExifOrientation(bytes.substr(offset + 8, length));
      break;
    }
    offset += 8 + length + (length & 1);
  }
  return Status::Ok();
}

// BMP: file header (14), then the DIB header, whose size gives its version. The 12-byte
// OS/2 header has 16-bit sides, later ones 32-bit signed sides (a negative height means
// the rows are stored top-down).
Status ReadBmpHeader(std::string_view bytes, ImageHeader* out) {
  if (bytes.size() < 26) return CorruptImage(SniffedFormat::kBmp);
  uint32_t dib_size = LittleEndian(bytes, 14, 4);
  if (dib_size == 12) {
    out->width = int(LittleEndian(bytes, 18, 2));
    out->height = int(LittleEndian(bytes, 20, 2));
    return Status::Ok();
  }
  int32_t width = int32_t(LittleEndian(bytes, 18, 4));
  int32_t height = int32_t(LittleEndian(bytes, 22, 4));
  if (width <= 0 || height == 0 || height == INT32_MIN) return CorruptImage(SniffedFormat::kBmp);
  out->width = width;
  out->height = std::abs(height);
  return Status::Ok();
}

// TIFF: ImageWidth (256) and ImageLength (257) in IFD0, and the Orientation tag (274).
Status ReadTiffHeader(std::string_view bytes, ImageHeader* out) {
  uint32_t width, height;
  if (!FindTiffIfd0Value(bytes, 256, &width) || !FindTiffIfd0Value(bytes, 257, &height) || width == 0 ||
      height == 0 || width > 0x7FFFFFFF || height > 0x7FFFFFFF) {
    return CorruptImage(SniffedFormat::kTiff);
  }
  out->width = int(width);
  out->height = int(height);
  out->exif_orientation = ParseExifOrientation(bytes);
  return Status::Ok();
}

}  // namespace

Status ReadRasterHeader(SniffedFormat format, std::string_view bytes, ImageHeader* out) {
  *out = ImageHeader();
  switch (format) {
    case SniffedFormat::kPng: return ReadPngHeader(bytes, out);
    case SniffedFormat::kWebp: return ReadWebpHeader(bytes, out);
    case SniffedFormat::kBmp: return ReadBmpHeader(bytes, out);
    case SniffedFormat::kTiff: return ReadTiffHeader(bytes, out);
    default: return Status::Unsupported(std::string("no header reader for ") + FormatName(format));
  }
}

}  // namespace smallset
