// EXIF orientation: reading the tag and turning pixels upright.
#pragma once

#include <string_view>

#include <opencv2/core.hpp>

namespace smallset {

// Returns the Orientation tag (0x0112, 1..8) from IFD0 of a TIFF-structured block, which
// starts with "II*\0" or "MM\0*" (the body of a JPEG APP1 "Exif\0\0" segment, a PNG eXIf
// chunk, a WebP EXIF chunk, or a whole TIFF file). Returns 1 when the tag is absent,
// out of range or the block is malformed: a broken EXIF block never rejects a picture.
int ParseExifOrientation(std::string_view tiff_block);

// Returns `image` turned upright for `orientation` (1..8, as in the EXIF specification:
// 6 = stored rotated, turn 90 degrees clockwise to display; 8 = turn 90 counter-clockwise).
cv::Mat ApplyExifOrientation(const cv::Mat& image, int orientation);

// True when the orientation swaps width and height (5..8).
bool OrientationSwapsSides(int orientation);

}  // namespace smallset
