#include "common/image/exif.h"

#include <cstdint>

#include "common/image/tiff_ifd.h"

namespace smallset {

int ParseExifOrientation(std::string_view tiff_block) {
  constexpr uint16_t kOrientationTag = 0x0112;
  uint32_t value = 1;
  if (!FindTiffIfd0Value(tiff_block, kOrientationTag, &value)) return 1;
  return (value >= 1 && value <= 8) ? int(value) : 1;
}

bool OrientationSwapsSides(int orientation) { return orientation >= 5 && orientation <= 8; }

cv::Mat ApplyExifOrientation(const cv::Mat& image, int orientation) {
  cv::Mat out;
  switch (orientation) {
    case 2:  // mirrored horizontally
      cv::flip(image, out, 1);
      break;
    case 3:
      cv::rotate(image, out, cv::ROTATE_180);
      break;
    case 4:  // mirrored vertically
      cv::flip(image, out, 0);
      break;
    case 5:  // mirrored about the main diagonal
      cv::transpose(image, out);
      break;
    case 6:
      cv::rotate(image, out, cv::ROTATE_90_CLOCKWISE);
      break;
    case 7: {  // mirrored about the anti-diagonal
      cv::Mat transposed;
      cv::transpose(image, transposed);
      cv::rotate(transposed, out, cv::ROTATE_180);
      break;
    }
    case 8:
      cv::rotate(image, out, cv::ROTATE_90_COUNTERCLOCKWISE);
      break;
    default:
      return image;
  }
  return out;
}

}  // namespace smallset
