// Renders a StudyResult the ways people read it: a terminal summary, report.md, data as JSON
// and CSV, the poster's three figures and a discovery timeline as SVG, and one self-contained
// index.html holding all of it (readable offline, no script).
//
//   Status s = WriteStudyReport(result, "study-results/diff");
//   fmt::print("{}", StudySummaryText(result));
#ifndef SYSFENCE_STUDY_STUDY_REPORT_H_
#define SYSFENCE_STUDY_STUDY_REPORT_H_

#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "report/svg_chart.h"
#include "study/study_result.h"

namespace sysfence {

std::string StudySummaryText(const StudyResult& result);
std::string StudyMarkdown(const StudyResult& result);
std::string StudyJson(const StudyResult& result);
// One row per (program, syscall): program,syscall,number,category,dynamic,static,seen_in_runs,runs
std::string StudyCsv(const StudyResult& result);
// The sets-per-method bar chart (the poster's Figure 1): one group per row, dynamic and static
// share of all x86-64 syscalls, and the published figures where the row's study gives them.
struct MethodsChartRow {
  std::string label;
  const ProgramSets* program;
  const StudyResult* study;
};
BarChart MethodsChart(const std::vector<MethodsChartRow>& rows);

// (file name, SVG) for each chart this study has.
std::vector<std::pair<std::string, std::string>> StudyCharts(const StudyResult& result);
std::string StudyHtml(const StudyResult& result);

// Writes report.md, summary.txt, data.json, data.csv, the charts and index.html into `dir`
// (created if missing), each file whole or not at all.
// Fails, naming the problem, when DIR could not be created or written (checked before a
// study's minutes of work; creates nothing).
Status CheckReportDirectory(const std::string& dir);

Status WriteStudyReport(const StudyResult& result, const std::string& dir);

}  // namespace sysfence

#endif  // SYSFENCE_STUDY_STUDY_REPORT_H_
