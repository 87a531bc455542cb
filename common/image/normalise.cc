// Conversion of OpenCV's raw decoder output to the canonical 8-bit RGB picture.
#include <opencv2/imgproc.hpp>

#include "common/image/decode_internal.h"

namespace smallset {
namespace {

// Keeps the high byte of each 16-bit sample (v >> 8). A saturating convertTo(CV_8U) would
// turn every sample above 255 white instead.
cv::Mat HighBytes(const cv::Mat& wide) {
  cv::Mat narrow(wide.rows, wide.cols, CV_MAKETYPE(CV_8U, wide.channels()));
  const int samples_per_row = wide.cols * wide.channels();
  for (int y = 0; y < wide.rows; ++y) {
    const uint16_t* in = wide.ptr<uint16_t>(y);
    uint8_t* out = narrow.ptr<uint8_t>(y);
    for (int i = 0; i < samples_per_row; ++i) out[i] = uint8_t(in[i] >> 8);
  }
  return narrow;
}

// Composites 8-bit BGRA onto white and returns RGB.
cv::Mat CompositeOntoWhite(const cv::Mat& bgra) {
  cv::Mat rgb(bgra.rows, bgra.cols, CV_8UC3);
  for (int y = 0; y < bgra.rows; ++y) {
    const uint8_t* in = bgra.ptr<uint8_t>(y);
    uint8_t* out = rgb.ptr<uint8_t>(y);
    for (int x = 0; x < bgra.cols; ++x, in += 4, out += 3) {
      const int alpha = in[3];
      const int white = 255 * (255 - alpha);
      out[0] = uint8_t((in[2] * alpha + white + 127) / 255);
      out[1] = uint8_t((in[1] * alpha + white + 127) / 255);
      out[2] = uint8_t((in[0] * alpha + white + 127) / 255);
    }
  }
  return rgb;
}

}  // namespace

Status NormaliseOpenCvPixels(const cv::Mat& decoded, cv::Mat* rgb) {
  cv::Mat eight_bit;
  if (decoded.depth() == CV_8U) {
    eight_bit = decoded;
  } else if (decoded.depth() == CV_16U) {
    eight_bit = HighBytes(decoded);
  } else {
    return Status::Unsupported("unsupported sample type (only 8- and 16-bit integer samples are decoded)");
  }

  switch (eight_bit.channels()) {
    case 1:
      cv::cvtColor(eight_bit, *rgb, cv::COLOR_GRAY2RGB);
      return Status::Ok();
    case 2: {  // grey + alpha
      cv::Mat bgra;
      cv::Mat grey_alpha[2];
      cv::split(eight_bit, grey_alpha);
      cv::merge(std::vector<cv::Mat>{grey_alpha[0], grey_alpha[0], grey_alpha[0], grey_alpha[1]}, bgra);
      *rgb = CompositeOntoWhite(bgra);
      return Status::Ok();
    }
    case 3:
      cv::cvtColor(eight_bit, *rgb, cv::COLOR_BGR2RGB);
      return Status::Ok();
    case 4:
      *rgb = CompositeOntoWhite(eight_bit);
      return Status::Ok();
    default:
      return Status::Unsupported("unsupported channel count " + std::to_string(eight_bit.channels()));
  }
}

}  // namespace smallset
