#include "train/report.h"

#include <algorithm>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "common/log.h"
#include "common/html.h"
#include "train/svg_chart.h"

namespace smallset {


std::string ThumbnailDataUri(const cv::Mat& rgb, int max_side) {
  const double factor = std::min(1.0, static_cast<double>(max_side) / std::max(rgb.cols, rgb.rows));
  cv::Mat small, bgr;
  cv::resize(rgb, small, cv::Size(), factor, factor, cv::INTER_AREA);
  cv::cvtColor(small, bgr, cv::COLOR_RGB2BGR);
  std::vector<uint8_t> jpeg;
  cv::imencode(".jpg", bgr, jpeg, {cv::IMWRITE_JPEG_QUALITY, 85});
  return "data:image/jpeg;base64," + Base64Encode(std::string(jpeg.begin(), jpeg.end()));
}

namespace {

std::string LossCurves(const RunSummary& s) {
  ChartSeries train{"train loss", "#1f77b4", {}}, valid{"validation loss", "#ff7f0e", {}};
  ChartSeries accuracy{"validation accuracy", "#2ca02c", {}};
  for (const EpochRecord& r : s.history) {
    train.points.emplace_back(r.epoch, r.train_loss);
    valid.points.emplace_back(r.epoch, r.valid_loss);
    accuracy.points.emplace_back(r.epoch, r.valid_accuracy);
  }
  ChartOptions loss_options{"Loss per epoch", "epoch", "cross-entropy loss"};
  ChartOptions accuracy_options{"Validation accuracy per epoch", "epoch", "accuracy"};
  return LineChartSvg({train, valid}, loss_options) + LineChartSvg({accuracy}, accuracy_options);
}

std::string ConfusionTable(const RunSummary& s) {
  std::string html = "<table><tr><th>true \\ predicted</th>";
  for (const std::string& label : s.classes) html += "<th>" + HtmlEscape(label) + "</th>";
  html += "<th>precision</th><th>recall</th></tr>\n";
  for (size_t t = 0; t < s.classes.size(); ++t) {
    html += "<tr><th>" + HtmlEscape(s.classes[t]) + "</th>";
    for (size_t p = 0; p < s.classes.size(); ++p) {
      html += StringPrintf("<td class=\"%s\">%lld</td>", t == p ? "hit" : "miss",
                           static_cast<long long>(s.confusion.counts[t][p]));
    }
    html += StringPrintf("<td>%.3f</td><td>%.3f</td></tr>\n", s.confusion.Precision(static_cast<int>(t)),
                         s.confusion.Recall(static_cast<int>(t)));
  }
  return html + "</table>\n";
}

std::string TopLossGrid(const RunSummary& s) {
  std::string html = "<div class=\"grid\">\n";
  for (const TopLoss& t : s.top_losses) {
    html += "<figure><img src=\"" + t.thumbnail_uri + "\" alt=\"" + HtmlEscape(t.sha256) + "\"><figcaption>" +
            HtmlEscape(t.true_label) + " &rarr; " + HtmlEscape(t.predicted_label) +
            StringPrintf("<br>p %.3f, loss %.3f<br><code>%s</code>", t.probability, t.loss,
                         HtmlEscape(t.sha256.substr(0, 12)).c_str()) +
            "</figcaption></figure>\n";
  }
  return html + "</div>\n";
}

}  // namespace

std::string RenderReport(const std::string& run_name, const RunSummary& s, const nlohmann::json& options) {
  std::string html =
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>smallset run " + HtmlEscape(run_name) +
      "</title>\n<style>body{font-family:sans-serif;margin:2em;max-width:1200px}"
      "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}"
      "td.hit{background:#e3f4e3}td.miss{background:#fbe9e9}.grid{display:flex;flex-wrap:wrap;gap:12px}"
      "figure{margin:0;width:160px;font-size:12px}img{max-width:160px;max-height:160px}</style></head><body>\n";
  html += "<h1>Run " + HtmlEscape(run_name) + "</h1>\n";
  html += StringPrintf("<p>Validation accuracy <b>%.4f</b> (%lld of %lld; 95%% Wilson interval %.4f&ndash;%.4f), "
                       "validation loss %.4f",
                       s.accuracy, static_cast<long long>(s.confusion.Correct()),
                       static_cast<long long>(s.confusion.Total()), s.accuracy_interval.low,
                       s.accuracy_interval.high, s.valid_loss);
  if (s.tta_accuracy) html += StringPrintf(", with test-time augmentation %.4f", *s.tta_accuracy);
  html += StringPrintf(". Training took %.1f s.</p>\n", s.total_seconds);

  html += "<h2>Loss curves</h2>\n" + LossCurves(s);
  html += "<h2>Learning-rate finder</h2>\n";
  html += s.lr_finder ? LrFinderSvg(*s.lr_finder) : "<p>Not run (pass --lr-find).</p>\n";
  html += "<h2>Confusion matrix</h2>\n" + ConfusionTable(s);
  html += "<h2>Highest-loss validation images</h2>\n" + TopLossGrid(s);
  html += "<h2>Options</h2>\n<pre>" + HtmlEscape(options.dump(2)) + "</pre>\n</body></html>\n";
  return html;
}

}  // namespace smallset
