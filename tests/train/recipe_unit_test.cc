// Unit tests of the recipe's building blocks: schedule, metrics, augmentation, encoding.
#include <doctest/doctest.h>

#include <cmath>
#include <random>

#include <opencv2/imgproc.hpp>

#include "train/augment.h"
#include "train/classification_metrics.h"
#include "train/lr_finder.h"
#include "train/one_cycle.h"
#include "train/report.h"
#include "train/svg_chart.h"

namespace smallset {
namespace {

cv::Mat GradientImage(int width, int height) {
  cv::Mat image(height, width, CV_8UC3);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      image.at<cv::Vec3b>(y, x) = cv::Vec3b(x * 255 / width, y * 255 / height, 128);
    }
  }
  return image;
}

TEST_CASE("one-cycle schedule values") {
  OneCycle schedule(201, 1e-2);  // the warm-up ends at step 50 of 0..200
  CHECK(schedule.LearningRateAt(0) == doctest::Approx(1e-2 / 25));
  CHECK(schedule.LearningRateAt(50) == doctest::Approx(1e-2));
  CHECK(schedule.LearningRateAt(200) == doctest::Approx(1e-2 / 1e5));
  // Half-way through each half cosine the rate is at the midpoint of its ends.
  CHECK(schedule.LearningRateAt(25) == doctest::Approx((1e-2 / 25 + 1e-2) / 2));
  CHECK(schedule.LearningRateAt(125) == doctest::Approx((1e-2 + 1e-7) / 2));
  CHECK(schedule.MomentumAt(0) == doctest::Approx(0.95));
  CHECK(schedule.MomentumAt(25) == doctest::Approx(0.90));
  CHECK(schedule.MomentumAt(50) == doctest::Approx(0.85));
  CHECK(schedule.MomentumAt(200) == doctest::Approx(0.95));
  CHECK(schedule.LearningRateAt(500) == doctest::Approx(schedule.LearningRateAt(200)));
}

TEST_CASE("one-cycle rises then falls monotonically") {
  OneCycle schedule(40, 3e-3);  // the warm-up ends at step 9.75
  for (int step = 1; step < 40; ++step) {
    if (step <= 10) {
      CHECK(schedule.LearningRateAt(step) > schedule.LearningRateAt(step - 1));
    } else {
      CHECK(schedule.LearningRateAt(step) < schedule.LearningRateAt(step - 1));
    }
  }
}

TEST_CASE("one-cycle with a single step") {
  OneCycle schedule(1, 1e-3);
  CHECK(std::isfinite(schedule.LearningRateAt(0)));
  CHECK(schedule.LearningRateAt(0) == doctest::Approx(1e-3 / 1e5));
}

TEST_CASE("Wilson interval known values") {
  // 38 of 40: the standard formula gives 0.8350 to 0.9862.
  const Interval interval = WilsonInterval(38, 40);
  CHECK(interval.low == doctest::Approx(0.8350).epsilon(1e-3));
  CHECK(interval.high == doctest::Approx(0.9862).epsilon(1e-3));

  const Interval all = WilsonInterval(20, 20);
  CHECK(all.high == doctest::Approx(1.0));
  CHECK(all.low == doctest::Approx(0.8389).epsilon(1e-3));

  const Interval none = WilsonInterval(0, 10);
  CHECK(none.low == doctest::Approx(0.0));
  CHECK(none.high == doctest::Approx(0.2775).epsilon(1e-3));

  const Interval empty = WilsonInterval(0, 0);
  CHECK(empty.low == 0);
  CHECK(empty.high == 0);
}

TEST_CASE("confusion matrix precision and recall") {
  // truth:     0 0 0 1 1 2
  // predicted: 0 0 1 1 2 2
  const ConfusionMatrix matrix = BuildConfusionMatrix(3, {0, 0, 0, 1, 1, 2}, {0, 0, 1, 1, 2, 2});
  CHECK(matrix.counts[0][0] == 2);
  CHECK(matrix.counts[0][1] == 1);
  CHECK(matrix.counts[1][2] == 1);
  CHECK(matrix.Total() == 6);
  CHECK(matrix.Correct() == 4);
  CHECK(matrix.Accuracy() == doctest::Approx(4.0 / 6));
  CHECK(matrix.Precision(0) == doctest::Approx(1.0));
  CHECK(matrix.Recall(0) == doctest::Approx(2.0 / 3));
  CHECK(matrix.Precision(1) == doctest::Approx(0.5));
  CHECK(matrix.Recall(1) == doctest::Approx(0.5));
  CHECK(matrix.Precision(2) == doctest::Approx(0.5));
  CHECK(matrix.Recall(2) == doctest::Approx(1.0));
}

TEST_CASE("precision of a never-predicted class is zero") {
  const ConfusionMatrix matrix = BuildConfusionMatrix(2, {0, 1}, {0, 0});
  CHECK(matrix.Precision(1) == 0);
  CHECK(matrix.Recall(1) == 0);
}

TEST_CASE("mean and sample standard deviation") {
  const MeanAndDeviation result = ComputeMeanAndDeviation({0.9, 0.95, 1.0});
  CHECK(result.mean == doctest::Approx(0.95));
  CHECK(result.standard_deviation == doctest::Approx(0.05));
  CHECK(ComputeMeanAndDeviation({0.5}).standard_deviation == 0);
  CHECK(ComputeMeanAndDeviation({}).mean == 0);
}

TEST_CASE("augmented view has the input size") {
  const cv::Mat image = GradientImage(300, 200);
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20; ++i) {
    const cv::Mat view = AugmentImage(image, 96, AugmentOptions(), rng);
    CHECK(view.rows == 96);
    CHECK(view.cols == 96);
    CHECK(view.type() == CV_8UC3);
  }
}

TEST_CASE("augmentation depends only on the seed") {
  const cv::Mat image = GradientImage(256, 256);
  std::mt19937_64 a(SampleSeed(3, 1, 5)), b(SampleSeed(3, 1, 5)), c(SampleSeed(3, 2, 5));
  const cv::Mat first = AugmentImage(image, 64, AugmentOptions(), a);
  const cv::Mat second = AugmentImage(image, 64, AugmentOptions(), b);
  const cv::Mat other = AugmentImage(image, 64, AugmentOptions(), c);
  CHECK(cv::norm(first, second, cv::NORM_L1) == 0);
  CHECK(cv::norm(first, other, cv::NORM_L1) > 0);
}

TEST_CASE("augmentation of a huge image shrinks smoothly") {
  const cv::Mat image = GradientImage(2000, 1500);
  std::mt19937_64 rng(1);
  const cv::Mat view = AugmentImage(image, 64, AugmentOptions(), rng);
  CHECK(view.size() == cv::Size(64, 64));
}

TEST_CASE("zero-strength augmentation of a full crop keeps the picture") {
  AugmentOptions none;
  none.min_area = 1.0;
  none.max_aspect_change = 1.0;
  none.max_rotation_degrees = 0;
  none.brightness = 0;
  none.contrast = 0;
  none.flip = false;
  const cv::Mat image = GradientImage(64, 64);
  std::mt19937_64 rng(1);
  const cv::Mat view = AugmentImage(image, 64, none, rng);
  // The identity warp reproduces every pixel to within rounding.
  CHECK(cv::norm(view, image, cv::NORM_INF) <= 1);
}

TEST_CASE("center crop resize takes the central square") {
  cv::Mat image(100, 200, CV_8UC3, cv::Scalar(0, 0, 0));
  image(cv::Rect(50, 0, 100, 100)).setTo(cv::Scalar(255, 255, 255));
  const cv::Mat view = CenterCropResize(image, 32, 1.0f);
  CHECK(view.size() == cv::Size(32, 32));
  CHECK(cv::mean(view)[0] == doctest::Approx(255));
}

TEST_CASE("normalised CHW layout") {
  cv::Mat image(2, 2, CV_8UC3, cv::Scalar(255, 0, 127.5));
  std::vector<float> out(12);
  WriteNormalizedChw(image, {0.5f, 0.5f, 0.5f}, {0.5f, 0.5f, 0.5f}, out.data());
  CHECK(out[0] == doctest::Approx(1.0));    // red plane
  CHECK(out[4] == doctest::Approx(-1.0));   // green plane
  CHECK(out[8] == doctest::Approx(0.0).epsilon(0.01));  // blue plane, 127 or 128
}

TEST_CASE("presize keeps the short side") {
  const cv::Mat resized = ResizeShortSide(GradientImage(400, 200), 100);
  CHECK(resized.rows == 100);
  CHECK(resized.cols == 200);
}

TEST_CASE("learning-rate finder sweep endpoints") {
  LrFinderOptions finder;
  CHECK(LrFinderRate(finder, 0) == doctest::Approx(1e-7));
  CHECK(LrFinderRate(finder, finder.steps - 1) == doctest::Approx(10));
  CHECK(LrFinderRate(finder, 50) > LrFinderRate(finder, 49));
}

TEST_CASE("base64 encoding") {
  CHECK(Base64Encode("") == "");
  CHECK(Base64Encode("f") == "Zg==");
  CHECK(Base64Encode("fo") == "Zm8=");
  CHECK(Base64Encode("foo") == "Zm9v");
  CHECK(Base64Encode("foobar") == "Zm9vYmFy");
}

TEST_CASE("line chart is SVG with escaped text") {
  ChartOptions options;
  options.title = "loss <train> & \"valid\"";
  const std::string svg = LineChartSvg({{"a", "#000", {{1, 2}, {2, 1}}}}, options);
  CHECK(svg.find("<svg") == 0);
  CHECK(svg.find("&lt;train&gt; &amp; &quot;valid&quot;") != std::string::npos);
  CHECK(svg.find("<path d=\"M") != std::string::npos);
}

}  // namespace
}  // namespace smallset
