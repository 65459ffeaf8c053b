// SVG rendering of bar and line charts (see svg_chart.h). Axes get "nice" round ticks so a
// reader can read values off the chart; every bar also carries its value as text.
#include "report/svg_chart.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace sysfence {
namespace {

constexpr const char* kPalette[] = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759",
                                    "#76b7b2", "#edc948", "#b07aa1", "#9c755f"};
constexpr int kLeft = 64, kRight = 24, kTop = 48, kBottom = 72;

std::string ColorOf(const std::string& chosen, size_t index) {
  return chosen.empty() ? kPalette[index % std::size(kPalette)] : chosen;
}

// A round step (1, 2 or 5 times a power of ten) giving about `target` ticks up to `max`.
double NiceStep(double max, int target) {
  if (max <= 0) return 1;
  double raw = max / target;
  double power = std::pow(10, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (raw <= m * power) return m * power;
  }
  return 10 * power;
}

std::string Header(int width, int height, const std::string& title) {
  return fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" "
      "viewBox=\"0 0 {0} {1}\" font-family=\"sans-serif\" font-size=\"12\" role=\"img\">\n"
      "<title>{2}</title>\n<rect width=\"{0}\" height=\"{1}\" fill=\"white\"/>\n"
      "<text x=\"{3}\" y=\"24\" text-anchor=\"middle\" font-size=\"15\" "
      "font-weight=\"bold\">{2}</text>\n",
      width, height, EscapeXml(title), width / 2);
}

// Horizontal grid lines and y tick labels; returns the axis maximum used.
std::string YAxis(double max, int width, int height, const std::string& label, double* axis_max) {
  double step = NiceStep(max, 5);
  double top = std::max(step, std::ceil(max / step) * step);
  *axis_max = top;
  int plot_h = height - kTop - kBottom;
  std::string out;
  for (double v = 0; v <= top + step / 2; v += step) {
    double y = kTop + plot_h - v / top * plot_h;
    out += fmt::format(
        "<line x1=\"{}\" y1=\"{:.1f}\" x2=\"{}\" y2=\"{:.1f}\" stroke=\"#ddd\"/>\n"
        "<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\" dominant-baseline=\"middle\">{}</text>\n",
        kLeft, y, width - kRight, y, kLeft - 6, y, fmt::format("{:g}", v));
  }
  out += fmt::format(
      "<text transform=\"translate(16,{}) rotate(-90)\" text-anchor=\"middle\">{}</text>\n",
      kTop + plot_h / 2, EscapeXml(label));
  out += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"#333\"/>\n", kLeft,
                     kTop + plot_h, width - kRight);
  return out;
}

std::string Legend(const std::vector<std::pair<std::string, std::string>>& entries, int width,
                   int height) {
  std::string out;
  int x = kLeft;
  int y = height - 22;
  for (const auto& [name, color] : entries) {
    out += fmt::format(
        "<rect x=\"{}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{}\"/>"
        "<text x=\"{}\" y=\"{}\">{}</text>\n",
        x, y - 10, color, x + 16, y, EscapeXml(name));
    x += 28 + static_cast<int>(name.size()) * 7;
    if (x > width - 120) {
      x = kLeft;
      y += 16;
    }
  }
  return out;
}

}  // namespace

std::string EscapeXml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string RenderBarChart(const BarChart& chart) {
  double max = chart.y_max;
  for (const BarSeries& s : chart.series) {
    for (double v : s.values) {
      if (!std::isnan(v)) max = std::max(max, v);
    }
  }
  std::string out = Header(chart.width, chart.height, chart.title);
  double axis_max = 1;
  out += YAxis(max, chart.width, chart.height, chart.y_label, &axis_max);
  int plot_w = chart.width - kLeft - kRight;
  int plot_h = chart.height - kTop - kBottom;
  size_t groups = std::max<size_t>(1, chart.groups.size());
  size_t series = std::max<size_t>(1, chart.series.size());
  double group_w = static_cast<double>(plot_w) / static_cast<double>(groups);
  double bar_w = group_w * 0.8 / static_cast<double>(series);
  for (size_t g = 0; g < chart.groups.size(); ++g) {
    double group_x = kLeft + group_w * static_cast<double>(g);
    out += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
                       group_x + group_w / 2, kTop + plot_h + 18, EscapeXml(chart.groups[g]));
    for (size_t s = 0; s < chart.series.size(); ++s) {
      const BarSeries& bars = chart.series[s];
      if (g >= bars.values.size() || std::isnan(bars.values[g])) continue;
      double v = bars.values[g];
      double h = v / axis_max * plot_h;
      double x = group_x + group_w * 0.1 + bar_w * static_cast<double>(s);
      out += fmt::format(
          "<rect class=\"bar\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" "
          "fill=\"{}\"><title>{}: {}</title></rect>\n"
          "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" font-size=\"11\">{}</text>\n",
          x, kTop + plot_h - h, bar_w * 0.92, h, ColorOf(bars.color, s), EscapeXml(bars.name),
          fmt::format(fmt::runtime(chart.value_format), v), x + bar_w * 0.46, kTop + plot_h - h - 4,
          fmt::format(fmt::runtime(chart.value_format), v));
    }
  }
  std::vector<std::pair<std::string, std::string>> legend;
  for (size_t s = 0; s < chart.series.size(); ++s) {
    legend.emplace_back(chart.series[s].name, ColorOf(chart.series[s].color, s));
  }
  out += Legend(legend, chart.width, chart.height);
  out += "</svg>\n";
  return out;
}

std::string RenderLineChart(const LineChart& chart) {
  double max_x = 0, max_y = 0;
  for (const LineSeries& s : chart.series) {
    for (const auto& [x, y] : s.points) {
      max_x = std::max(max_x, x);
      max_y = std::max(max_y, y);
    }
  }
  if (max_x <= 0) max_x = 1;
  std::string out = Header(chart.width, chart.height, chart.title);
  double axis_max = 1;
  out += YAxis(max_y, chart.width, chart.height, chart.y_label, &axis_max);
  int plot_w = chart.width - kLeft - kRight;
  int plot_h = chart.height - kTop - kBottom;
  double x_step = NiceStep(max_x, 6);
  double x_max = std::ceil(max_x / x_step) * x_step;
  for (const LineMarker& marker : chart.markers) {
    double x = kLeft + marker.x / x_max * plot_w;
    out += fmt::format(
        "<line class=\"marker\" x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\" "
        "stroke=\"#666\" stroke-dasharray=\"4 3\"/>\n"
        "<text x=\"{3:.1f}\" y=\"{4}\" font-size=\"11\">{5}</text>\n",
        x, kTop, kTop + plot_h, x + 4, kTop + 12, EscapeXml(marker.label));
  }
  for (double v = 0; v <= x_max + x_step / 2; v += x_step) {
    double x = kLeft + v / x_max * plot_w;
    out += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", x,
                       kTop + plot_h + 16, fmt::format("{:g}", v));
  }
  out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
                     kLeft + plot_w / 2, kTop + plot_h + 34, EscapeXml(chart.x_label));
  std::vector<std::pair<std::string, std::string>> legend;
  for (size_t s = 0; s < chart.series.size(); ++s) {
    const LineSeries& series = chart.series[s];
    std::string color = ColorOf(series.color, s);
    legend.emplace_back(series.name, color);
    std::string path;
    double last_y = 0;
    for (size_t i = 0; i < series.points.size(); ++i) {
      double px = kLeft + series.points[i].first / x_max * plot_w;
      double py = kTop + plot_h - series.points[i].second / axis_max * plot_h;
      if (i == 0) {
        path += fmt::format("M{:.1f},{:.1f}", px, py);
      } else if (chart.steps) {
        path += fmt::format(" L{:.1f},{:.1f} L{:.1f},{:.1f}", px, last_y, px, py);
      } else {
        path += fmt::format(" L{:.1f},{:.1f}", px, py);
      }
      last_y = py;
    }
    if (!path.empty()) {
      out += fmt::format(
          "<path class=\"line\" d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\">"
          "<title>{}</title></path>\n",
          path, color, EscapeXml(series.name));
    }
  }
  out += Legend(legend, chart.width, chart.height);
  out += "</svg>\n";
  return out;
}

std::string RenderLineCharts(const std::vector<LineChart>& charts) {
  int width = 0, height = 0;
  for (const LineChart& chart : charts) {
    width = std::max(width, chart.width);
    height += chart.height;
  }
  std::string out = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" "
      "viewBox=\"0 0 {0} {1}\">\n",
      width, height);
  int y = 0;
  for (const LineChart& chart : charts) {
    // A nested <svg> is positioned by its x and y attributes.
    std::string svg = RenderLineChart(chart);
    out += fmt::format("<svg x=\"0\" y=\"{}\"", y) + svg.substr(svg.find(' '));
    y += chart.height;
  }
  return out + "</svg>\n";
}

}  // namespace sysfence
