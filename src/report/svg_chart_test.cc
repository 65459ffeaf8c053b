// Pins down the SVG charts: well-formed, one bar per value, labels escaped, values printed.
#include "report/svg_chart.h"

#include <gtest/gtest.h>

#include <cmath>

namespace sysfence {
namespace {

size_t Count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

TEST(SvgChart, BarChartDrawsOneBarPerValueWithItsLabel) {
  BarChart chart{.title = "Share <of> all",
                 .y_label = "% of all x86-64 syscalls",
                 .groups = {"diff", "ssh"},
                 .series = {{"dynamic", {6.8, 21.8}, ""}, {"static", {12.9, NAN}, ""}}};
  std::string svg = RenderBarChart(chart);
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  EXPECT_EQ(Count(svg, "class=\"bar\""), 3u) << "NaN draws no bar";
  EXPECT_NE(svg.find(">21.8<"), std::string::npos);
  EXPECT_NE(svg.find("Share &lt;of&gt; all"), std::string::npos);
  EXPECT_EQ(svg.find("Share <of>"), std::string::npos);
}

TEST(SvgChart, LineChartDrawsOnePathPerSeries) {
  LineChart chart{.title = "discovered",
                  .x_label = "s",
                  .y_label = "distinct",
                  .series = {{"client", {{0, 1}, {0.5, 10}, {1.0, 12}}, ""},
                             {"server", {{0, 1}, {2.0, 30}}, ""}}};
  std::string svg = RenderLineChart(chart);
  EXPECT_EQ(Count(svg, "class=\"line\""), 2u);
  EXPECT_NE(svg.find("client"), std::string::npos);
}

TEST(SvgChart, EmptyChartsAreStillValidSvg) {
  std::string svg = RenderBarChart(BarChart{});
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  svg = RenderLineChart(LineChart{});
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
}

}  // namespace
}  // namespace sysfence
