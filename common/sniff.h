// Image format detection from the first bytes of a file. Extensions and Content-Type
// headers lie (a PNG named .jpg, an HTML error page served as image/jpeg), so every
// decision in smallset is made from the bytes.
#pragma once

#include <string>
#include <string_view>

namespace smallset {

enum class SniffedFormat {
  kJpeg, kPng, kGif, kWebp, kBmp, kTiff,  // raster formats smallset stores and decodes
  kHeic, kAvif,                           // raster, but no decoder: "unsupported format"
  kSvg, kHtml,                            // text documents
  kEmpty,
  kUnknown,
};

SniffedFormat SniffFormat(std::string_view bytes);

// True for the six formats that are stored and decoded.
bool IsSupportedRaster(SniffedFormat format);

// Short lower-case name: "jpeg", "png", ..., "html", "empty", "unknown".
const char* FormatName(SniffedFormat format);

// File extension for the content store, without the dot: "jpg", "png", "gif", "webp", "bmp", "tif".
// Empty for formats that are never stored.
const char* FormatExtension(SniffedFormat format);

// Reason to record when bytes are not a storable image: "not an image (HTML)",
// "not a raster image (SVG)", "unsupported format heic", "empty body", ...
// Empty for supported raster formats.
std::string SkipReasonFor(SniffedFormat format);

}  // namespace smallset
