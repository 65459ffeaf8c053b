// Pins down the SVG charts: well-formed, one bar per value, labels escaped, values printed.
#include "report/svg_chart.h"

#include <fmt/format.h>
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

// A marker is a labelled vertical line; charts stacked in one SVG keep their own parts, each
// placed below the one before.
TEST(SvgChart, MarkersAndStackedChartsAreDrawn) {
  LineChart calls{.title = "syscalls",
                  .x_label = "s",
                  .y_label = "distinct",
                  .series = {{"runs", {{0, 1}, {2.0, 30}}, ""}},
                  .steps = true,
                  .width = 720,
                  .height = 360,
                  .markers = {{1.0, "18 <hand-written> runs"}}};
  LineChart sites = calls;
  sites.title = "sites";
  std::string one = RenderLineChart(calls);
  EXPECT_EQ(Count(one, "class=\"marker\""), 1u);
  EXPECT_NE(one.find("18 &lt;hand-written&gt; runs"), std::string::npos);
  std::string both = RenderLineCharts({calls, sites});
  EXPECT_EQ(both.rfind("<svg", 0), 0u);
  EXPECT_EQ(Count(both, "<svg"), 3u);
  EXPECT_EQ(Count(both, "</svg>"), 3u);
  EXPECT_NE(both.find(fmt::format("y=\"{}\"", calls.height)), std::string::npos);
  EXPECT_EQ(Count(both, "class=\"line\""), 2u);
}

TEST(SvgChart, EmptyChartsAreStillValidSvg) {
  std::string svg = RenderBarChart(BarChart{});
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  svg = RenderLineChart(LineChart{});
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
}

}  // namespace
}  // namespace sysfence
