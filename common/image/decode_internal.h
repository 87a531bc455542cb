// Pieces that the per-format decoders share. Not part of the public interface.
#pragma once

#include <cstdint>
#include <string_view>

#include <opencv2/core.hpp>

#include "common/image/decode.h"

namespace smallset {

// "truncated/corrupt JPEG", "truncated/corrupt PNG", ...
Status CorruptImage(SniffedFormat format);

// Applies the pixel limit, then the minimum side, to header dimensions.
Status CheckDimensions(int64_t width, int64_t height, const DecodeOptions& options);

// Converts what cv::imdecode(IMREAD_UNCHANGED) returns (1, 3 or 4 channels in BGR order,
// 8 or 16 bits) to CV_8UC3 RGB: 16-bit samples keep their high byte, grey is copied to
// all three channels and alpha is composited onto white.
Status NormaliseOpenCvPixels(const cv::Mat& decoded, cv::Mat* rgb);

// Decodes a JPEG with libjpeg-turbo. Any libjpeg warning rejects the file.
Status DecodeJpeg(std::string_view bytes, const DecodeOptions& options, DecodedImage* out);

// Decodes a PNG with libdeflate. With options.target_short_side > 0 the picture is averaged
// over k x k boxes as it is decoded, k the largest that keeps the short side at or above it.
Status DecodePng(std::string_view bytes, const DecodeOptions& options, DecodedImage* out);

// Decodes the first frame of a GIF with giflib, transparency composited onto white.
Status DecodeGif(std::string_view bytes, const DecodeOptions& options, DecodedImage* out);

}  // namespace smallset
