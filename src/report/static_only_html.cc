// HTML of the static-only classes (see static_only_html.h).
#include "report/static_only_html.h"

#include <fmt/format.h>

#include <map>

#include "profile/compare.h"
#include "report/svg_chart.h"
#include "syscalls/syscall_table.h"

namespace sysfence {

std::string StaticOnlyHtml(const StaticOnlyReport& report, std::string_view heading,
                           std::string_view poster_words) {
  int total = static_cast<int>(report.calls.size());
  std::string html = "<section class=\"static-only\">\n";
  html += fmt::format("<h2>Why static analysis finds calls the traces lack{}</h2>\n",
                      heading.empty() ? "" : ": " + EscapeXml(heading));
  html += fmt::format("<p>{} syscall(s) are in the static set and in no trace.", total);
  if (report.without_sites) {
    html += " The trace kept no syscall sites, so no call can be shown reachable on another path.";
  } else {
    html += fmt::format(" The traces ran {} of the {} syscall sites static analysis reaches.",
                        report.static_sites_ran, report.static_sites);
  }
  html += "</p>\n";
  BarChart chart;
  chart.title = "Static-only syscalls by class";
  chart.y_label = "% of static-only calls";
  chart.value_format = "{:.0f}";
  chart.y_max = 100;
  BarSeries share{.name = "share", .values = {}, .color = ""};
  for (StaticOnlyClass c : kStaticOnlyClasses) {
    chart.groups.emplace_back(StaticOnlyClassTitle(c));
    share.values.push_back(Percent(report.Count(c), total));
  }
  chart.series.push_back(std::move(share));
  html += RenderBarChart(chart) + "\n";
  html +=
      "<table class=\"classes\"><tr><th>class</th><th>calls</th><th>share</th>"
      "<th>syscalls</th></tr>\n";
  for (StaticOnlyClass c : kStaticOnlyClasses) {
    std::string names;
    for (const StaticOnlyCall& call : report.calls) {
      if (call.kind == c) names += (names.empty() ? "" : " ") + SyscallDisplayName(call.number);
    }
    html += fmt::format(
        "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{:.0f}%</td>"
        "<td>{}</td></tr>\n",
        StaticOnlyClassTitle(c), report.Count(c), Percent(report.Count(c), total),
        EscapeXml(names));
  }
  html += "</table>\n";
  if (!report.without_sites && !report.sites.empty()) {
    // Per object: the syscall sites the analysis reaches, and how many of them ran.
    std::map<std::string, std::pair<int, int>> by_object;
    for (const SiteCoverage& site : report.sites) {
      auto& [reached, ran] = by_object[site.image];
      ++reached;
      ran += site.ran ? 1 : 0;
    }
    html +=
        "<table class=\"coverage\"><tr><th>object</th><th>static sites</th>"
        "<th>ran in the traces</th></tr>\n";
    for (const auto& [image, counts] : by_object) {
      html += fmt::format(
          "<tr><td><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{} "
          "({:.0f}%)</td></tr>\n",
          EscapeXml(image), counts.first, counts.second, Percent(counts.second, counts.first));
    }
    html += "</table>\n";
  }
  if (!poster_words.empty()) {
    html += fmt::format(
        "<p class=\"poster-words\">The publication judged these calls by hand: "
        "<q>{}</q>. The classes above replace that judgement with the evidence below.</p>\n",
        EscapeXml(poster_words));
  }
  html += "<table class=\"evidence\"><tr><th>syscall</th><th>class</th><th>evidence</th></tr>\n";
  for (const StaticOnlyCall& call : report.calls) {
    std::string path;
    for (const std::string& line : call.path) path += EscapeXml(line) + "<br>";
    html += fmt::format(
        "<tr><td><code>{}</code></td><td>{}</td><td>{}<details><summary>static path</summary>"
        "<small>{}</small></details></td></tr>\n",
        SyscallDisplayName(call.number), StaticOnlyClassTitle(call.kind), EscapeXml(call.evidence),
        path);
  }
  html += "</table>\n</section>\n";
  return html;
}

}  // namespace sysfence
