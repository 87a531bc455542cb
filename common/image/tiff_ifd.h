// Lookup of one tag in the first IFD of a TIFF-structured block, the layout that TIFF files
// and EXIF blocks share: "II*\0" (little-endian) or "MM\0*" (big-endian), then the offset
// of IFD0, whose 12-byte entries are tag, type, count and value.
#pragma once

#include <cstdint>
#include <string_view>

namespace smallset {

// Stores the value of `tag` in IFD0 when it is a single SHORT or LONG and returns true.
// Returns false when the tag is absent, has another type, or the block is malformed.
bool FindTiffIfd0Value(std::string_view block, uint16_t tag, uint32_t* value);

}  // namespace smallset
