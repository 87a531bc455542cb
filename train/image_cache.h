// Decodes every image of a split once, through the same normalising decoder as curate, and
// keeps a presized RGB copy in memory for all epochs.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <opencv2/core.hpp>

#include "common/status.h"
#include "train/split_reader.h"

namespace smallset {

// Short side of the in-memory copy for a network input of `input_size` pixels: large enough
// that the evaluation crop (crop_pct of the short side) needs no upscaling.
int PresizeShortSide(int input_size, float crop_pct);

// Decodes `bytes` (any format curate accepts) and resizes it so that the short side is
// `short_side`. The error is the decoder's reason ("truncated/corrupt JPEG").
Status DecodeForModel(std::string_view bytes, int short_side, cv::Mat* rgb);

// Decodes `images` from the content store folder `store_root` with `threads` worker threads into `out` (same order).
// Fails on the first image that cannot be read or decoded, naming its file.
Status DecodeImages(const std::string& store_root, const std::vector<LabeledImage>& images, int short_side,
                    int threads, std::vector<cv::Mat>* out);

}  // namespace smallset
