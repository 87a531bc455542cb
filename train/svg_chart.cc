#include "train/svg_chart.h"

#include "common/html.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "common/log.h"

namespace smallset {


std::string LineChartSvg(const std::vector<ChartSeries>& series, const ChartOptions& options) {
  const double left = 60, right = 20, top = 30, bottom = 45;
  const double plot_width = options.width - left - right;
  const double plot_height = options.height - top - bottom;
  auto transform_x = [&](double x) { return options.log_x ? std::log10(std::max(x, 1e-30)) : x; };

  double x_min = std::numeric_limits<double>::infinity(), x_max = -x_min;
  double y_min = x_min, y_max = -x_min;
  for (const ChartSeries& s : series) {
    for (const auto& [x, y] : s.points) {
      if (!std::isfinite(y)) continue;
      x_min = std::min(x_min, transform_x(x));
      x_max = std::max(x_max, transform_x(x));
      y_min = std::min(y_min, y);
      y_max = std::max(y_max, y);
    }
  }
  if (!std::isfinite(x_min)) x_min = 0, x_max = 1, y_min = 0, y_max = 1;
  if (x_max == x_min) x_max = x_min + 1;
  if (y_max == y_min) y_max = y_min + 1;
  auto px = [&](double x) { return left + (transform_x(x) - x_min) / (x_max - x_min) * plot_width; };
  auto py = [&](double y) { return top + (y_max - y) / (y_max - y_min) * plot_height; };

  std::string svg = StringPrintf(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" "
      "font-size=\"11\">\n<text x=\"%g\" y=\"18\" font-size=\"13\">%s</text>\n"
      "<rect x=\"%g\" y=\"%g\" width=\"%g\" height=\"%g\" fill=\"none\" stroke=\"#888\"/>\n",
      options.width, options.height, left, HtmlEscape(options.title).c_str(), left, top, plot_width, plot_height);

  // Axis ticks: five on each axis, values in the axis' own scale.
  for (int i = 0; i <= 4; ++i) {
    const double fx = x_min + (x_max - x_min) * i / 4;
    const double fy = y_min + (y_max - y_min) * i / 4;
    const std::string x_text = options.log_x ? StringPrintf("1e%.1f", fx) : StringPrintf("%.3g", fx);
    svg += StringPrintf("<text x=\"%g\" y=\"%g\" text-anchor=\"middle\">%s</text>\n",
                        left + plot_width * i / 4, top + plot_height + 15, x_text.c_str());
    svg += StringPrintf("<text x=\"%g\" y=\"%g\" text-anchor=\"end\">%.3g</text>\n", left - 5,
                        top + plot_height - plot_height * i / 4 + 4, fy);
  }
  svg += StringPrintf("<text x=\"%g\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", left + plot_width / 2,
                      options.height - 8, HtmlEscape(options.x_label).c_str());
  svg += StringPrintf("<text x=\"12\" y=\"%g\" transform=\"rotate(-90 12 %g)\" text-anchor=\"middle\">%s</text>\n",
                      top + plot_height / 2, top + plot_height / 2, HtmlEscape(options.y_label).c_str());

  if (options.marker_x > 0) {
    svg += StringPrintf("<line x1=\"%.1f\" y1=\"%g\" x2=\"%.1f\" y2=\"%g\" stroke=\"#c00\" stroke-dasharray=\"4 3\"/>\n",
                        px(options.marker_x), top, px(options.marker_x), top + plot_height);
  }
  double legend_y = top + 14;
  for (const ChartSeries& s : series) {
    std::string path;
    for (const auto& [x, y] : s.points) {
      if (!std::isfinite(y)) continue;
      path += StringPrintf("%s%.1f,%.1f ", path.empty() ? "M" : "L", px(x), py(y));
    }
    svg += "<path d=\"" + path + "\" fill=\"none\" stroke=\"" + HtmlEscape(s.colour) + "\" stroke-width=\"1.5\"/>\n";
    svg += StringPrintf("<text x=\"%g\" y=\"%g\" fill=\"%s\" text-anchor=\"end\">%s</text>\n", left + plot_width - 6,
                        legend_y, HtmlEscape(s.colour).c_str(), HtmlEscape(s.name).c_str());
    legend_y += 14;
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace smallset
