// Picture dimensions read from a file header without decoding any pixels, so that the
// pixel limit is enforced before an allocation the file size gives no hint of.
#pragma once

#include <string_view>

#include "common/sniff.h"
#include "common/status.h"

namespace smallset {

struct ImageHeader {
  int width = 0;              // as stored, before EXIF orientation
  int height = 0;
  int exif_orientation = 1;   // from a PNG eXIf chunk, a WebP EXIF chunk or TIFF IFD0
  bool animated = false;      // WebP with the animation flag
};

// Reads the header of a PNG, WebP, BMP or TIFF file. Returns "truncated/corrupt PNG" (and
// so on) when the header is cut short or malformed, and Unsupported for other formats.
Status ReadRasterHeader(SniffedFormat format, std::string_view bytes, ImageHeader* out);

}  // namespace smallset
