// Pieces for writing PNG files byte by byte in tests and fuzz targets, independent of the
// decoder under test. Header-only, so that a fuzz target can include it without the test
// support library.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <libdeflate.h>

namespace smallset::testing {

// Adam7 passes as {first column, first row, column step, row step}.
inline constexpr uint32_t kAdam7Passes[7][4] = {{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4},
                                                {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}};

// Samples per pixel of a PNG colour type: 3 for RGB, 2 for grey + alpha, 4 for RGBA, else 1.
inline int PngChannels(int color_type) {
  switch (color_type) {
    case 2: return 3;
    case 4: return 2;
    case 6: return 4;
    default: return 1;
  }
}

inline void AppendBigEndian32(std::string* out, uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(char(value >> shift));
}

// Appends a chunk: length, type, data and the CRC over type and data.
inline void AppendPngChunk(std::string* png, const std::string& type, const std::string& data) {
  AppendBigEndian32(png, uint32_t(data.size()));
  const std::string body = type + data;
  png->append(body);
  AppendBigEndian32(png, uint32_t(libdeflate_crc32(0, body.data(), body.size())));
}

inline std::string ZlibCompress(const std::string& raw, int level = 6) {
  libdeflate_compressor* compressor = libdeflate_alloc_compressor(level);
  std::string out(libdeflate_zlib_compress_bound(compressor, raw.size()), '\0');
  out.resize(libdeflate_zlib_compress(compressor, raw.data(), raw.size(), out.data(), out.size()));
  libdeflate_free_compressor(compressor);
  return out;
}

}  // namespace smallset::testing
