// The normalising image decoder that curate and train share.
//
// DecodeImage turns stored bytes into one canonical picture: 8-bit RGB, EXIF orientation
// applied, CMYK and YCCK converted, grayscale expanded to three equal channels, 16-bit
// samples reduced to their high byte, transparency composited onto white, and only the
// first frame of an animation. The format is decided from the bytes (common/sniff.h),
// never from a file name.
//
// Dimensions are read from the file header and checked against DecodeOptions before any
// pixel buffer is allocated, so a small file that claims a huge canvas is rejected cheaply.
#pragma once

#include <cstdint>
#include <string_view>

#include <opencv2/core.hpp>

#include "common/sniff.h"
#include "common/status.h"

namespace smallset {

struct DecodeOptions {
  // width*height from the header above this is rejected: "too many pixels: 900000000 > 50000000".
  int64_t max_pixels = 50'000'000;

  // Either side below this is rejected: "too small: 16x16 < 64".
  int min_side = 64;

  // When > 0, the picture may come out smaller, with its short side still >= this: a JPEG
  // through libjpeg-turbo's DCT scaling (1/2, 1/4 or 1/8), a PNG averaged over k x k boxes
  // (k the largest integer that keeps the short side). Faster for large photos. 0 decodes at
  // full size, and so do the other formats always.
  int target_short_side = 0;

  // Lets libjpeg trade accuracy for speed (fast integer IDCT, plain chroma upsampling):
  // fine for hashing and thumbnails, where the picture is shrunk anyway.
  bool fast_jpeg = false;
};

struct DecodedImage {
  cv::Mat rgb;                 // CV_8UC3, RGB channel order, normalised as described above
  int original_width = 0;      // after EXIF orientation, before any scaled decode
  int original_height = 0;
  SniffedFormat format = SniffedFormat::kUnknown;
  int exif_orientation = 1;    // the EXIF orientation tag that was applied (1 = none)
  int scale_denominator = 1;   // the reduction used: JPEG DCT scaling 1, 2, 4 or 8, PNG box size k
};

// Decodes and normalises `bytes`. A non-OK Status's message is the defect reason that
// curate records: "empty file", "not an image (HTML)", "not a raster image (SVG)",
// "unsupported format heic", "too many pixels: 900000000 > 50000000", "too small: 16x16 < 64",
// "truncated/corrupt JPEG", "truncated/corrupt PNG", "animated WebP not supported", ...
// Safe to call from several threads at once.
Status DecodeImage(std::string_view bytes, const DecodeOptions& options, DecodedImage* out);

}  // namespace smallset
