// libFuzzer target: arbitrary bytes through the normalising decoder and the pHash, at full
// size and with a reduced decode. Any crash, sanitizer report or non-RGB result is a bug.
// Build and run with tests/fuzz/run.sh.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/image/decode.h"
#include "curate/phash.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  smallset::DecodeOptions options;
  options.min_side = 1;
  options.max_pixels = 4'000'000;  // keeps each input fast; the limit itself is tested elsewhere

  for (int target_short_side : {0, 16}) {
    options.target_short_side = target_short_side;
    smallset::DecodedImage image;
    if (!smallset::DecodeImage(bytes, options, &image).ok()) continue;
    if (image.rgb.type() != CV_8UC3 || image.rgb.empty()) __builtin_trap();
    (void)smallset::PerceptualHash(image.rgb);
  }
  return 0;
}
