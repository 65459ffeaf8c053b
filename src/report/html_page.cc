// The shared page frame and style of the HTML reports (see html_page.h).
#include "report/html_page.h"

#include "report/svg_chart.h"

namespace sysfence {

std::string HtmlPage(std::string_view title, std::string_view body, std::string_view extra_style) {
  std::string page = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>";
  page += EscapeXml(title);
  page +=
      "</title>\n<style>body{font-family:sans-serif;max-width:960px;margin:2em auto;"
      "padding:0 1em}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
      "padding:4px 8px}pre{background:#f6f6f6;padding:8px;white-space:pre-wrap}"
      "figure{margin:1em 0}";
  page += extra_style;
  page += "</style></head>\n<body>\n";
  page += body;
  page += "</body></html>\n";
  return page;
}

}  // namespace sysfence
