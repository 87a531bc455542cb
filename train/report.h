// report.html: one self-contained page per run (inline SVG and data: URIs, no scripts and
// no network) with the loss curves, the learning-rate finder curve, the confusion matrix
// and thumbnails of the highest-loss validation images.
#pragma once

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <string>

#include "common/html.h"  // Base64Encode, HtmlEscape
#include "train/run_summary.h"

namespace smallset {

std::string RenderReport(const std::string& run_name, const RunSummary& summary, const nlohmann::json& options);

// A JPEG thumbnail (longer side `max_side`) of an RGB image as a data: URI.
std::string ThumbnailDataUri(const cv::Mat& rgb, int max_side);



}  // namespace smallset
