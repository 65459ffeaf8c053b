// The overview across studies (see study_overview.h). A program's row is labelled with its
// study when two studies have programs of the same name. The phase figure takes each program's
// last phase, which in every study's phase files is the one the program lives in (working,
// serving).
#include "study/study_overview.h"

#include <cmath>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "base/file_util.h"
#include "profile/compare.h"
#include "report/html_page.h"
#include "report/svg_chart.h"
#include "study/study_report.h"
#include "syscalls/syscall_table.h"

namespace sysfence {
namespace {

using nlohmann::json;

double ShareOfAll(int count) { return Percent(count, TotalSyscallCount()); }

struct ProgramRow {
  const StudyOverviewEntry* study;
  const ProgramSets* program;
  std::string label;
};

std::vector<ProgramRow> ProgramRows(const std::vector<StudyOverviewEntry>& entries) {
  std::map<std::string, int> uses;
  for (const StudyOverviewEntry& entry : entries) {
    if (!entry.result) continue;
    for (const ProgramSets& p : entry.result->programs) ++uses[p.name];
  }
  std::vector<ProgramRow> rows;
  for (const StudyOverviewEntry& entry : entries) {
    if (!entry.result) continue;
    for (const ProgramSets& p : entry.result->programs) {
      rows.push_back({&entry, &p, uses[p.name] > 1 ? entry.name + ": " + p.name : p.name});
    }
  }
  return rows;
}

int Width(size_t groups) { return std::max(720, static_cast<int>(groups) * 96 + 160); }

}  // namespace

std::vector<std::pair<std::string, std::string>> StudyOverviewCharts(
    const std::vector<StudyOverviewEntry>& entries) {
  std::vector<std::pair<std::string, std::string>> charts;
  std::vector<ProgramRow> rows = ProgramRows(entries);
  std::vector<MethodsChartRow> methods_rows;
  for (const ProgramRow& row : rows) {
    methods_rows.push_back({row.label, row.program, &*row.study->result});
  }
  BarChart methods = MethodsChart(methods_rows);
  methods.title = "Figure 1 across studies: share of all x86-64 syscalls per program and method";
  methods.width = Width(methods.groups.size());
  charts.emplace_back("overview-figure1.svg", RenderBarChart(methods));

  BarChart phases;
  phases.title = "Figure 2 across programs: the share of the last phase (working, serving)";
  phases.y_label = "%";
  BarSeries of_program{"% of the program's set", {}, "#59a14f"};
  BarSeries of_all{"% of all x86-64 syscalls", {}, "#76b7b2"};
  BarSeries published{"published: % of the program's set", {}, "#8cd17d"};
  bool any_published = false;
  for (const ProgramRow& row : rows) {
    const ProgramSets& p = *row.program;
    if (p.phases.empty()) continue;
    const Phase& last = p.phases.back();
    phases.groups.push_back(fmt::format("{} ({})", row.label, last.name));
    of_program.values.push_back(Percent(last.syscalls.Size(), p.dynamic.Size()));
    of_all.values.push_back(ShareOfAll(last.syscalls.Size()));
    const PosterFigure* f = FindPosterFigure(*row.study->result, p.name, "phase:" + last.name);
    published.values.push_back(f ? f->value : NAN);
    any_published = any_published || f;
  }
  if (!phases.groups.empty()) {
    phases.series = {of_program, of_all};
    if (any_published) phases.series.push_back(published);
    phases.width = Width(phases.groups.size());
    charts.emplace_back("overview-figure2.svg", RenderBarChart(phases));
  }
  return charts;
}

std::string StudyOverviewText(const std::vector<StudyOverviewEntry>& entries) {
  std::string out =
      fmt::format("{:<10} {:<16} {:>5} {:>8} {:>7} {:>8} {:>7} {:>7}  {}\n", "study", "program",
                  "runs", "dynamic", "% all", "static", "% all", "misses", "last phase");
  for (const StudyOverviewEntry& entry : entries) {
    if (!entry.result) {
      out += fmt::format("{:<10} FAILED: {}\n", entry.name, entry.error);
      continue;
    }
    for (const ProgramSets& p : entry.result->programs) {
      int misses = p.static_set ? (p.dynamic - *p.static_set).Size() : 0;
      std::string phase =
          p.phases.empty()
              ? ""
              : fmt::format("{} {} ({:.1f}% of the program)", p.phases.back().name,
                            p.phases.back().syscalls.Size(),
                            Percent(p.phases.back().syscalls.Size(), p.dynamic.Size()));
      out += fmt::format("{:<10} {:<16} {:>5} {:>8} {:>6.1f}% {:>8} {:>6.1f}% {:>7}  {}\n",
                         entry.name, p.name, p.runs, p.dynamic.Size(), ShareOfAll(p.dynamic.Size()),
                         p.static_set ? std::to_string(p.static_set->Size()) : "-",
                         p.static_set ? ShareOfAll(p.static_set->Size()) : 0.0, misses, phase);
    }
  }
  out += fmt::format("(all x86-64 syscalls: {})\n", TotalSyscallCount());
  return out;
}

std::string StudyOverviewJson(const std::vector<StudyOverviewEntry>& entries) {
  json studies = json::array();
  for (const StudyOverviewEntry& entry : entries) {
    json study = {{"name", entry.name}, {"report", entry.report + "/index.html"}};
    if (!entry.result) {
      study["error"] = entry.error;
      studies.push_back(std::move(study));
      continue;
    }
    study["title"] = entry.result->title;
    study["soundness_failures"] = entry.result->soundness_failures;
    json programs = json::array();
    for (const ProgramSets& p : entry.result->programs) {
      json item = {{"name", p.name},
                   {"runs", p.runs},
                   {"dynamic_count", p.dynamic.Size()},
                   {"dynamic_percent_of_all", ShareOfAll(p.dynamic.Size())}};
      if (p.static_set) {
        item["static_count"] = p.static_set->Size();
        item["static_percent_of_all"] = ShareOfAll(p.static_set->Size());
      }
      json phases = json::array();
      for (const Phase& phase : p.phases) {
        phases.push_back({{"name", phase.name},
                          {"count", phase.syscalls.Size()},
                          {"percent_of_program", Percent(phase.syscalls.Size(), p.dynamic.Size())},
                          {"percent_of_all", ShareOfAll(phase.syscalls.Size())}});
      }
      item["phases"] = std::move(phases);
      programs.push_back(std::move(item));
    }
    study["programs"] = std::move(programs);
    studies.push_back(std::move(study));
  }
  return json({{"total_syscalls", TotalSyscallCount()}, {"studies", studies}}).dump(2) + "\n";
}

std::string StudyOverviewHtml(const std::vector<StudyOverviewEntry>& entries) {
  std::string body =
      "<h1>sysfence studies: an overview</h1>\n<p>Every checked-in study, run on this machine. "
      "Each program's set found dynamically (traced over the study's runs) and statically, as a "
      "share of all " +
      std::to_string(TotalSyscallCount()) +
      " x86-64 syscalls; the last phase of each program with phases against its whole set. Bars "
      "marked <em>published</em> are the figures a study quotes from its publication; every "
      "other number is computed from the runs.</p>\n";
  for (const StudyOverviewEntry& entry : entries) {
    if (entry.result) continue;
    body += fmt::format("<div class=\"fail\">study {} failed: {}</div>\n", EscapeXml(entry.name),
                        EscapeXml(entry.error));
  }
  for (const auto& [file, svg] : StudyOverviewCharts(entries)) {
    body += fmt::format("<figure id=\"{}\">{}</figure>\n", EscapeXml(file), svg);
  }
  body +=
      "<h2>Studies</h2>\n<table><tr><th>study</th><th>program</th><th>runs</th>"
      "<th>dynamic</th><th>static</th><th>missed by static</th><th>phases (% of the program)"
      "</th></tr>\n";
  for (const StudyOverviewEntry& entry : entries) {
    std::string link = fmt::format("<a href=\"{}/index.html\">{}</a>", EscapeXml(entry.report),
                                   EscapeXml(entry.name));
    if (!entry.result) {
      body +=
          fmt::format("<tr class=\"failed\"><td>{}</td><td colspan=\"6\">failed: {}</td></tr>\n",
                      EscapeXml(entry.name), EscapeXml(entry.error));
      continue;
    }
    for (const ProgramSets& p : entry.result->programs) {
      std::string phases;
      for (const Phase& phase : p.phases) {
        phases +=
            fmt::format("{}{} {} ({:.1f}%)", phases.empty() ? "" : ", ", phase.name,
                        phase.syscalls.Size(), Percent(phase.syscalls.Size(), p.dynamic.Size()));
      }
      int misses = p.static_set ? (p.dynamic - *p.static_set).Size() : 0;
      body += fmt::format(
          "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{} ({:.1f}%)"
          "</td><td class=\"num\">{}</td><td class=\"num{}\">{}</td><td>{}</td></tr>\n",
          link, EscapeXml(p.name), p.runs, p.dynamic.Size(), ShareOfAll(p.dynamic.Size()),
          p.static_set
              ? fmt::format("{} ({:.1f}%)", p.static_set->Size(), ShareOfAll(p.static_set->Size()))
              : "-",
          misses ? " fail" : "", misses, EscapeXml(phases));
    }
  }
  body += "</table>\n";
  return HtmlPage("sysfence studies: an overview", body,
                  "td.num{text-align:right}.fail{color:#b00}tr.failed td{color:#b00}"
                  "figure svg{max-width:100%;height:auto}");
}

Status WriteStudyOverview(const std::vector<StudyOverviewEntry>& entries, const std::string& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) return MakeError("{}: cannot create the report directory: {}", dir, error.message());
  std::vector<std::pair<std::string, std::string>> files = {
      {"index.html", StudyOverviewHtml(entries)},
      {"overview.json", StudyOverviewJson(entries)},
      {"summary.txt", StudyOverviewText(entries)}};
  for (auto& chart : StudyOverviewCharts(entries)) files.push_back(std::move(chart));
  for (const auto& [name, contents] : files) {
    if (Status written = WriteFileAtomically(dir + "/" + name, contents); !written.ok()) {
      return written;
    }
  }
  return Ok{};
}

}  // namespace sysfence
