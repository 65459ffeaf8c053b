// The overview across studies (`sysfence study --all`): the poster's Figure 1 over every
// program of every study (dynamic and static share of all x86-64 syscalls), its Figure 2 across
// programs (the last phase's share, the working or serving one, per program with phases), and
// a table linking each study's own report. Every figure is computed from the studies' results.
//
//   std::vector<StudyOverviewEntry> entries = {{"diff", "diff", result, ""}, ...};
//   Status s = WriteStudyOverview(entries, "study-results");  // index.html, overview.json, ...
#ifndef SYSFENCE_STUDY_STUDY_OVERVIEW_H_
#define SYSFENCE_STUDY_STUDY_OVERVIEW_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "study/study_result.h"

namespace sysfence {

struct StudyOverviewEntry {
  std::string name;    // the study's name ("nginx")
  std::string report;  // its report directory, relative to the overview's ("nginx")
  std::optional<StudyResult> result;
  std::string error;  // why it has no result
};

// (file name, SVG): overview-figure1.svg, and overview-figure2.svg when a program has phases.
std::vector<std::pair<std::string, std::string>> StudyOverviewCharts(
    const std::vector<StudyOverviewEntry>& entries);
std::string StudyOverviewText(const std::vector<StudyOverviewEntry>& entries);
std::string StudyOverviewJson(const std::vector<StudyOverviewEntry>& entries);
std::string StudyOverviewHtml(const std::vector<StudyOverviewEntry>& entries);

// Writes index.html, overview.json, summary.txt and the charts into `dir`, each file whole or
// not at all.
Status WriteStudyOverview(const std::vector<StudyOverviewEntry>& entries, const std::string& dir);

}  // namespace sysfence

#endif  // SYSFENCE_STUDY_STUDY_OVERVIEW_H_
