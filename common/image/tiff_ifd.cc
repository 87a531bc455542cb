#include "common/image/tiff_ifd.h"

namespace smallset {
namespace {

constexpr uint16_t kTypeShort = 3;
constexpr uint16_t kTypeLong = 4;

// Reads integers in the byte order that the block's header declares.
class TiffReader {
 public:
  TiffReader(std::string_view bytes, bool little_endian) : bytes_(bytes), little_endian_(little_endian) {}

  bool U16(size_t offset, uint16_t* value) const {
    if (offset + 2 > bytes_.size()) return false;
    uint16_t b0 = uint8_t(bytes_[offset]), b1 = uint8_t(bytes_[offset + 1]);
    *value = little_endian_ ? uint16_t(b0 | b1 << 8) : uint16_t(b0 << 8 | b1);
    return true;
  }

  bool U32(size_t offset, uint32_t* value) const {
    if (offset + 4 > bytes_.size()) return false;
    uint32_t b[4];
    for (int i = 0; i < 4; ++i) b[i] = uint8_t(bytes_[offset + i]);
    *value = little_endian_ ? (b[0] | b[1] << 8 | b[2] << 16 | b[3] << 24) : (b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]);
    return true;
  }

 private:
  std::string_view bytes_;
  bool little_endian_;
};

}  // namespace

bool FindTiffIfd0Value(std::string_view block, uint16_t tag, uint32_t* value) {
  if (block.size() < 8) return false;
  bool little_endian;
  if (block.compare(0, 4, std::string_view("II*\0", 4)) == 0) {
    little_endian = true;
  } else if (block.compare(0, 4, std::string_view("MM\0*", 4)) == 0) {
    little_endian = false;
  } else {
    return false;
  }
  TiffReader reader(block, little_endian);

  uint32_t ifd_offset;
  uint16_t entry_count;
  if (!reader.U32(4, &ifd_offset) || !reader.U16(ifd_offset, &entry_count)) return false;

  for (uint32_t i = 0; i < entry_count; ++i) {
    size_t entry = size_t(ifd_offset) + 2 + size_t(i) * 12;
    uint16_t entry_tag, type;
    if (!reader.U16(entry, &entry_tag) || !reader.U16(entry + 2, &type)) return false;
    if (entry_tag != tag) continue;

    // A single SHORT sits left-aligned in the 4-byte value field.
    if (type == kTypeShort) {
      uint16_t short_value;
      if (!reader.U16(entry + 8, &short_value)) return false;
      *value = short_value;
      return true;
    }
    if (type == kTypeLong) return reader.U32(entry + 8, value);
    return false;
  }
  return false;
}

}  // namespace smallset
