// Self-contained SVG charts for reports (no plotting service, no script): grouped bar charts
// for the poster's figures and step-line charts for "distinct syscalls discovered over time".
//
//   BarChart chart{.title = "Share of all x86-64 syscalls", .y_label = "%",
//                  .groups = {"diff", "ssh"}, .series = {{"dynamic", {7.1, 25.0}},
//                                                         {"static", {12.3, 34.0}}}};
//   std::string svg = RenderBarChart(chart);
//   std::string both = RenderLineCharts({syscalls_over_time, sites_over_time});
#ifndef SYSFENCE_REPORT_SVG_CHART_H_
#define SYSFENCE_REPORT_SVG_CHART_H_

#include <string>
#include <utility>
#include <vector>

namespace sysfence {

struct BarSeries {
  std::string name;
  std::vector<double> values;  // one per group; NaN draws no bar
  std::string color;           // "" picks from the palette
};

struct BarChart {
  std::string title;
  std::string y_label;
  std::vector<std::string> groups;
  std::vector<BarSeries> series;
  double y_max = 0;                     // 0 = fit to the data
  std::string value_format = "{:.1f}";  // label printed above each bar
  int width = 720;
  int height = 360;
};

struct LineSeries {
  std::string name;
  std::vector<std::pair<double, double>> points;  // (x, y), x ascending
  std::string color;
};

// A vertical dashed line across the plot at `x`, labelled at its top ("18 hand-written runs").
struct LineMarker {
  double x = 0;
  std::string label;
};

struct LineChart {
  std::string title;
  std::string x_label;
  std::string y_label;
  std::vector<LineSeries> series;
  bool steps = true;  // draw as a step function (a count that grows at events)
  int width = 720;
  int height = 360;
  std::vector<LineMarker> markers = {};
};

std::string RenderBarChart(const BarChart& chart);
std::string RenderLineChart(const LineChart& chart);
// Several line charts one above the other in one SVG (two measures of different scales).
std::string RenderLineCharts(const std::vector<LineChart>& charts);

// Escapes &, <, >, " for SVG/HTML text and attributes.
std::string EscapeXml(std::string_view text);

}  // namespace sysfence

#endif  // SYSFENCE_REPORT_SVG_CHART_H_
