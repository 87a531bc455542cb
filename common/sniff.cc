#include "common/sniff.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstring>

namespace smallset {
namespace {

bool StartsWith(std::string_view bytes, std::string_view prefix) {
  return bytes.size() >= prefix.size() && bytes.compare(0, prefix.size(), prefix) == 0;
}

// Lower-cased copy of the first `limit` bytes, after a UTF-8 BOM and leading white space.
std::string LowerTextHead(std::string_view bytes, size_t limit) {
  if (StartsWith(bytes, "\xEF\xBB\xBF")) bytes.remove_prefix(3);
  size_t start = 0;
  while (start < bytes.size() && std::isspace(static_cast<unsigned char>(bytes[start]))) ++start;
  std::string head(bytes.substr(start, limit));
  std::transform(head.begin(), head.end(), head.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return head;
}

// ISO base media files (HEIF, AVIF) start with a box "....ftyp" followed by brands.
SniffedFormat SniffIsoBmff(std::string_view bytes) {
  if (bytes.size() < 16 || bytes.compare(4, 4, "ftyp") != 0) return SniffedFormat::kUnknown;
  uint32_t box_size = (uint8_t(bytes[0]) << 24) | (uint8_t(bytes[1]) << 16) | (uint8_t(bytes[2]) << 8) |
                      uint8_t(bytes[3]);
  size_t end = std::min<size_t>(std::max<uint32_t>(box_size, 16), bytes.size());

  // The major brand at offset 8, then compatible brands from offset 16, four bytes each.
  bool heif = false;
  for (size_t offset = 8; offset + 4 <= end; offset += (offset == 8 ? 8 : 4)) {
    std::string_view brand = bytes.substr(offset, 4);
    if (brand == "avif" || brand == "avis") return SniffedFormat::kAvif;
    if (brand == "heic" || brand == "heix" || brand == "hevc" || brand == "hevx" || brand == "heim" ||
        brand == "heis" || brand == "mif1" || brand == "msf1") {
      heif = true;
    }
  }
  return heif ? SniffedFormat::kHeic : SniffedFormat::kUnknown;
}

}  // namespace

SniffedFormat SniffFormat(std::string_view bytes) {
  if (bytes.empty()) return SniffedFormat::kEmpty;
  if (StartsWith(bytes, "\xFF\xD8\xFF")) return SniffedFormat::kJpeg;
  if (StartsWith(bytes, "\x89PNG\r\n\x1A\n")) return SniffedFormat::kPng;
  if (StartsWith(bytes, "GIF87a") || StartsWith(bytes, "GIF89a")) return SniffedFormat::kGif;
  if (bytes.size() >= 12 && StartsWith(bytes, "RIFF") && bytes.compare(8, 4, "WEBP") == 0) {
    return SniffedFormat::kWebp;
  }
  if (bytes.size() >= 26 && StartsWith(bytes, "BM")) return SniffedFormat::kBmp;
  if (StartsWith(bytes, std::string_view("II*\0", 4)) || StartsWith(bytes, std::string_view("MM\0*", 4))) {
    return SniffedFormat::kTiff;
  }
  SniffedFormat iso = SniffIsoBmff(bytes);
  if (iso != SniffedFormat::kUnknown) return iso;

  std::string head = LowerTextHead(bytes, 1024);
  if (StartsWith(head, "<svg") || (StartsWith(head, "<?xml") && head.find("<svg") != std::string::npos)) {
    return SniffedFormat::kSvg;
  }
  if (StartsWith(head, "<!doctype html") || StartsWith(head, "<html") || StartsWith(head, "<head") ||
      StartsWith(head, "<body") || head.find("<html") != std::string::npos) {
    return SniffedFormat::kHtml;
  }
  return SniffedFormat::kUnknown;
}

bool IsSupportedRaster(SniffedFormat format) {
  switch (format) {
    case SniffedFormat::kJpeg:
    case SniffedFormat::kPng:
    case SniffedFormat::kGif:
    case SniffedFormat::kWebp:
    case SniffedFormat::kBmp:
    case SniffedFormat::kTiff:
      return true;
    default:
      return false;
  }
}

const char* FormatName(SniffedFormat format) {
  switch (format) {
    case SniffedFormat::kJpeg: return "jpeg";
    case SniffedFormat::kPng: return "png";
    case SniffedFormat::kGif: return "gif";
    case SniffedFormat::kWebp: return "webp";
    case SniffedFormat::kBmp: return "bmp";
    case SniffedFormat::kTiff: return "tiff";
    case SniffedFormat::kHeic: return "heic";
    case SniffedFormat::kAvif: return "avif";
    case SniffedFormat::kSvg: return "svg";
    case SniffedFormat::kHtml: return "html";
    case SniffedFormat::kEmpty: return "empty";
    case SniffedFormat::kUnknown: return "unknown";
  }
  return "unknown";
}

const char* FormatExtension(SniffedFormat format) {
  switch (format) {
    case SniffedFormat::kJpeg: return "jpg";
    case SniffedFormat::kPng: return "png";
    case SniffedFormat::kGif: return "gif";
    case SniffedFormat::kWebp: return "webp";
    case SniffedFormat::kBmp: return "bmp";
    case SniffedFormat::kTiff: return "tif";
    default: return "";
  }
}

std::string SkipReasonFor(SniffedFormat format) {
  switch (format) {
    case SniffedFormat::kHeic: return "unsupported format heic";
    case SniffedFormat::kAvif: return "unsupported format avif";
    case SniffedFormat::kSvg: return "not a raster image (SVG)";
    case SniffedFormat::kHtml: return "not an image (HTML)";
    case SniffedFormat::kEmpty: return "empty body";
    case SniffedFormat::kUnknown: return "not an image (unknown format)";
    default: return "";
  }
}

}  // namespace smallset
