#include "common/sniff.h"

#include <doctest/doctest.h>

#include <string>

using smallset::SniffedFormat;
using smallset::SniffFormat;

TEST_CASE("sniff recognises raster magic bytes") {
  CHECK(SniffFormat("\xFF\xD8\xFF\xE0rest") == SniffedFormat::kJpeg);
  CHECK(SniffFormat("\x89PNG\r\n\x1A\nrest") == SniffedFormat::kPng);
  CHECK(SniffFormat("GIF89a....") == SniffedFormat::kGif);
  CHECK(SniffFormat(std::string("RIFF\x10\0\0\0WEBPVP8 ", 16)) == SniffedFormat::kWebp);
  CHECK(SniffFormat(std::string("II*\0rest", 8)) == SniffedFormat::kTiff);
  CHECK(SniffFormat(std::string("BM") + std::string(30, '\0')) == SniffedFormat::kBmp);
}

TEST_CASE("sniff tells HEIC and AVIF apart") {
  std::string heic = std::string("\0\0\0\x18" "ftypheic\0\0\0\0mif1heic", 24);
  std::string avif = std::string("\0\0\0\x1c" "ftypavif\0\0\0\0avifmif1miaf", 28);
  CHECK(SniffFormat(heic) == SniffedFormat::kHeic);
  CHECK(SniffFormat(avif) == SniffedFormat::kAvif);
  CHECK(smallset::SkipReasonFor(SniffedFormat::kAvif) == "unsupported format avif");
}

TEST_CASE("sniff classifies text documents") {
  CHECK(SniffFormat("") == SniffedFormat::kEmpty);
  CHECK(SniffFormat("  <!DOCTYPE html><html>") == SniffedFormat::kHtml);
  CHECK(SniffFormat("<?xml version=\"1.0\"?>\n<svg xmlns=...") == SniffedFormat::kSvg);
  CHECK(SniffFormat("hello world") == SniffedFormat::kUnknown);
  CHECK(smallset::SkipReasonFor(SniffedFormat::kHtml) == "not an image (HTML)");
}
