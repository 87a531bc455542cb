// The 64-bit DCT perceptual hash (pHash) that near-duplicate detection compares.
#pragma once

#include <cstdint>

#include <opencv2/core.hpp>

namespace smallset {

// Hashes a normalised picture (CV_8UC3 RGB, as DecodeImage returns it). Steps: grey
// (BT.601), area-resize to 32x32, 2-D DCT-II, then take the 8x8 block of low frequencies
// at rows and columns 1..8, which leaves out the DC term and the first row and column.
// Bit 8*row+col is set when that coefficient is above the block's median. Resized,
// recompressed or converted copies stay within a few bits, and unrelated photos differ
// in about half of them.
uint64_t PerceptualHash(const cv::Mat& rgb);

inline int HammingDistance(uint64_t a, uint64_t b) { return __builtin_popcountll(a ^ b); }

// The manifest stores hashes in a signed INTEGER column; these keep the bit pattern.
inline int64_t HashToColumn(uint64_t hash) { return static_cast<int64_t>(hash); }
inline uint64_t HashFromColumn(int64_t value) { return static_cast<uint64_t>(value); }

}  // namespace smallset
