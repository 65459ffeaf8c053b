// The frame of sysfence's HTML reports (the study's, the scan overview): one self-contained
// page, readable offline, with the shared style; each report adds its own rules.
//
//   std::string html = HtmlPage("sysfence scan: /usr/bin", body, "td.num{text-align:right}");
#ifndef SYSFENCE_REPORT_HTML_PAGE_H_
#define SYSFENCE_REPORT_HTML_PAGE_H_

#include <string>
#include <string_view>

namespace sysfence {

// `title` is escaped; `body` and `extra_style` are put in as they are.
std::string HtmlPage(std::string_view title, std::string_view body,
                     std::string_view extra_style = "");

}  // namespace sysfence

#endif  // SYSFENCE_REPORT_HTML_PAGE_H_
