// The HTML form of `compare --explain` (profile/static_only.h): the share of each class as a
// bar chart, then a table of the calls with their evidence and paths. One section, for the
// study report and for `compare --explain --format html` (which wraps it in HtmlPage).
//
//   std::string section = StaticOnlyHtml(report, "diff");
#ifndef SYSFENCE_REPORT_STATIC_ONLY_HTML_H_
#define SYSFENCE_REPORT_STATIC_ONLY_HTML_H_

#include <string>
#include <string_view>

#include "profile/static_only.h"

namespace sysfence {

// `heading` names the program ("" for none); `poster_words`, when given, is what a publication
// judged of the same calls by hand, shown beside the classes.
std::string StaticOnlyHtml(const StaticOnlyReport& report, std::string_view heading,
                           std::string_view poster_words = "");

}  // namespace sysfence

#endif  // SYSFENCE_REPORT_STATIC_ONLY_HTML_H_
