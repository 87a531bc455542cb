// Line charts as inline SVG, for report.html (no scripts, no network).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace smallset {

struct ChartSeries {
  std::string name;
  std::string colour;  // CSS colour
  std::vector<std::pair<double, double>> points;  // (x, y)
};

struct ChartOptions {
  std::string title;
  std::string x_label;
  std::string y_label;
  bool log_x = false;  // logarithmic x axis (x must be > 0)
  int width = 560;
  int height = 300;
  double marker_x = 0;  // draws a vertical marker line at this x when > 0
};

std::string LineChartSvg(const std::vector<ChartSeries>& series, const ChartOptions& options);

}  // namespace smallset
