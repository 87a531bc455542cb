#include "common/image/decode.h"

#include <cctype>
#include <new>
#include <string>

#include <opencv2/imgcodecs.hpp>

#include "common/image/decode_internal.h"
#include "common/image/exif.h"
#include "common/image/header.h"
#include "common/log.h"

namespace smallset {

Status CorruptImage(SniffedFormat format) {
  std::string name = FormatName(format);
  for (char& c : name) c = char(std::toupper(static_cast<unsigned char>(c)));
  return Status::Corruption("truncated/corrupt " + name);
}

Status CheckDimensions(int64_t width, int64_t height, const DecodeOptions& options) {
  if (width <= 0 || height <= 0) {
    return Status::Corruption(StringPrintf("invalid dimensions %lldx%lld", (long long)width, (long long)height));
  }
  if (width * height > options.max_pixels) {
    return Status::InvalidArgument(
        StringPrintf("too many pixels: %lld > %lld", (long long)(width * height), (long long)options.max_pixels));
  }
  if (width < options.min_side || height < options.min_side) {
    return Status::InvalidArgument(
        StringPrintf("too small: %lldx%lld < %d", (long long)width, (long long)height, options.min_side));
  }
  return Status::Ok();
}

namespace {

// WebP, BMP and TIFF: header check, then cv::imdecode with IMREAD_UNCHANGED so that
// alpha and 16-bit samples arrive intact. OpenCV applies no EXIF orientation in that mode,
// so the orientation from the header is applied here.
Status DecodeWithOpenCv(std::string_view bytes, SniffedFormat format, const DecodeOptions& options,
                        DecodedImage* out) {
  ImageHeader header;
  SMALLSET_RETURN_IF_ERROR(ReadRasterHeader(format, bytes, &header));
  SMALLSET_RETURN_IF_ERROR(CheckDimensions(header.width, header.height, options));
  if (header.animated) return Status::Unsupported("animated WebP not supported");

  // imdecode does not modify its input, but its interface takes a non-const Mat.
  const cv::Mat encoded(1, int(bytes.size()), CV_8U, const_cast<char*>(bytes.data()));
  cv::Mat decoded = cv::imdecode(encoded, cv::IMREAD_UNCHANGED);
  if (decoded.empty()) return CorruptImage(format);

  cv::Mat rgb;
  SMALLSET_RETURN_IF_ERROR(NormaliseOpenCvPixels(decoded, &rgb));
  out->rgb = ApplyExifOrientation(rgb, header.exif_orientation);
  out->exif_orientation = header.exif_orientation;
  out->original_width = out->rgb.cols;
  out->original_height = out->rgb.rows;
  return Status::Ok();
}

Status DecodeSupported(std::string_view bytes, SniffedFormat format, const DecodeOptions& options,
                       DecodedImage* out) {
  switch (format) {
    case SniffedFormat::kJpeg: return DecodeJpeg(bytes, options, out);
    case SniffedFormat::kGif: return DecodeGif(bytes, options, out);
    case SniffedFormat::kPng: return DecodePng(bytes, options, out);
    default: return DecodeWithOpenCv(bytes, format, options, out);
  }
}

}  // namespace

Status DecodeImage(std::string_view bytes, const DecodeOptions& options, DecodedImage* out) {
  *out = DecodedImage();
  SniffedFormat format = SniffFormat(bytes);
  out->format = format;
  if (format == SniffedFormat::kEmpty) return Status::Corruption("empty file");
  if (!IsSupportedRaster(format)) return Status::Unsupported(SkipReasonFor(format));

  // OpenCV reports some malformed files by throwing, and a pixel buffer may still fail to
  // allocate. Both belong to this file, so they become its status instead of stopping the caller.
  Status status;
  try {
    status = DecodeSupported(bytes, format, options, out);
  } catch (const cv::Exception& e) {
    SMALLSET_LOG_DEBUG("OpenCV: %s", e.what());
    status = CorruptImage(format);
  } catch (const std::bad_alloc&) {
    status = Status::Failed("out of memory while decoding");
  }
  if (!status.ok()) out->rgb.release();
  return status;
}

}  // namespace smallset
