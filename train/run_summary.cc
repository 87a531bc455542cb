#include "train/run_summary.h"

#include <cstdio>
#include <fstream>

#include "common/log.h"
#include "train/svg_chart.h"

namespace smallset {

nlohmann::json RunSummaryToJson(const RunSummary& s) {
  nlohmann::json per_class = nlohmann::json::array();
  for (size_t c = 0; c < s.classes.size(); ++c) {
    per_class.push_back({{"label", s.classes[c]},
                         {"precision", s.confusion.Precision(static_cast<int>(c))},
                         {"recall", s.confusion.Recall(static_cast<int>(c))}});
  }
  nlohmann::json top = nlohmann::json::array();
  for (const TopLoss& t : s.top_losses) {
    top.push_back({{"image_id", t.image_id},
                   {"sha256", t.sha256},
                   {"label", t.true_label},
                   {"predicted", t.predicted_label},
                   {"probability", t.probability},
                   {"loss", t.loss}});
  }
  nlohmann::json json = {{"accuracy", s.accuracy},
                         {"accuracy_95", {s.accuracy_interval.low, s.accuracy_interval.high}},
                         {"correct", s.confusion.Correct()},
                         {"total", s.confusion.Total()},
                         {"valid_loss", s.valid_loss},
                         {"classes", s.classes},
                         {"confusion", s.confusion.counts},
                         {"per_class", per_class},
                         {"top_losses", top},
                         {"epochs", EpochRecordsToJson(s.history)},
                         {"total_seconds", s.total_seconds}};
  json["tta_accuracy"] = s.tta_accuracy ? nlohmann::json(*s.tta_accuracy) : nlohmann::json();
  if (s.lr_finder) {
    json["lr_find"] = {{"suggested_lr", s.lr_finder->suggested_lr},
                       {"steepest_lr", s.lr_finder->steepest_lr},
                       {"diverged", s.lr_finder->diverged}};
  }
  return json;
}

Status WriteFileAtomically(const std::string& path, const std::string& text) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) return Status::IoError("cannot write " + temporary);
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    return Status::IoError("cannot rename " + temporary + " to " + path);
  }
  return Status::Ok();
}

std::string MetricsCsv(const std::vector<EpochRecord>& history) {
  std::string csv = "epoch,phase,train_loss,valid_loss,valid_accuracy,seconds\n";
  for (const EpochRecord& r : history) {
    csv += StringPrintf("%d,%s,%.6f,%.6f,%.6f,%.3f\n", r.epoch, r.phase.c_str(), r.train_loss, r.valid_loss,
                        r.valid_accuracy, r.seconds);
  }
  return csv;
}

std::string LrFinderCsv(const LrFinderResult& result) {
  std::string csv = "step,lr,loss,smoothed_loss\n";
  for (size_t i = 0; i < result.points.size(); ++i) {
    const LrFinderPoint& p = result.points[i];
    csv += StringPrintf("%zu,%.6g,%.6f,%.6f\n", i, p.lr, p.loss, p.smoothed_loss);
  }
  return csv;
}

std::string LrFinderSvg(const LrFinderResult& result) {
  ChartSeries raw{"batch loss", "#bbb", {}};
  ChartSeries smoothed{"smoothed loss", "#1f77b4", {}};
  for (const LrFinderPoint& p : result.points) {
    raw.points.emplace_back(p.lr, p.loss);
    smoothed.points.emplace_back(p.lr, p.smoothed_loss);
  }
  ChartOptions options;
  options.title = StringPrintf("Learning-rate finder (suggested %.2g)", result.suggested_lr);
  options.x_label = "learning rate (log scale)";
  options.y_label = "training loss";
  options.log_x = true;
  options.marker_x = result.suggested_lr;
  return LineChartSvg({raw, smoothed}, options);
}

std::string FormatSummary(const RunSummary& s) {
  std::string text = StringPrintf("validation accuracy %.4f (%lld/%lld, 95%% CI %.4f-%.4f), loss %.4f\n", s.accuracy,
                                  static_cast<long long>(s.confusion.Correct()),
                                  static_cast<long long>(s.confusion.Total()), s.accuracy_interval.low,
                                  s.accuracy_interval.high, s.valid_loss);
  if (s.tta_accuracy) text += StringPrintf("TTA accuracy %.4f\n", *s.tta_accuracy);

  text += "confusion matrix (rows: true label, columns: predicted label, by number)\n";
  text += std::string(26, ' ');
  for (size_t c = 0; c < s.classes.size(); ++c) text += StringPrintf(" %5s", ("[" + std::to_string(c) + "]").c_str());
  text += "\n";
  for (size_t t = 0; t < s.classes.size(); ++t) {
    text += StringPrintf("  %-3s %-20s", ("[" + std::to_string(t) + "]").c_str(), s.classes[t].c_str());
    for (int64_t n : s.confusion.counts[t]) text += StringPrintf(" %5lld", static_cast<long long>(n));
    text += StringPrintf("   precision %.3f recall %.3f\n", s.confusion.Precision(static_cast<int>(t)),
                         s.confusion.Recall(static_cast<int>(t)));
  }
  if (!s.top_losses.empty()) {
    text += "highest-loss validation images\n";
    for (const TopLoss& t : s.top_losses) {
      text += StringPrintf("  %s  %s -> %s (p %.3f, loss %.3f)\n", t.sha256.substr(0, 12).c_str(),
                           t.true_label.c_str(), t.predicted_label.c_str(), t.probability, t.loss);
    }
  }
  if (s.lr_finder) {
    text += StringPrintf("learning-rate finder: suggested lr %.2g (steepest descent at %.2g)%s\n",
                         s.lr_finder->suggested_lr, s.lr_finder->steepest_lr,
                         s.lr_finder->diverged ? ", stopped at divergence" : "");
  }
  return text;
}

}  // namespace smallset
