// Loads a study report in headless Chromium (a real browser) and checks that every chart is
// laid out with a size and that its bars and lines are drawn; saves a screenshot beside it.
#include <gtest/gtest.h>

#include "base/file_util.h"
#include "report/browser.h"
#include "study/study_report.h"
#include "test_util.h"

namespace sysfence::testing {
namespace {

StudyResult SampleResult() {
  StudyResult r;
  r.study = "ssh";
  r.machine = "test";
  r.poster = {
      {"SSH client, dynamic", 83, "syscalls", "ssh client", "dynamic"},
      {"SSH client, working phase", 20, "% of the application", "ssh client", "phase:working"}};
  ProgramSets client;
  client.name = "ssh client";
  client.runs = 1;
  client.dynamic = *SyscallSet::FromNames({"read", "write", "connect", "socket", "poll", "dup"});
  client.static_set = client.dynamic | *SyscallSet::FromNames({"mkdir"});
  client.phases = {{"init", *SyscallSet::FromNames({"read", "socket"}), "", {}},
                   {"auth", *SyscallSet::FromNames({"read", "connect"}), "socket:AF_INET", {}},
                   {"session", *SyscallSet::FromNames({"dup"}), "syscall:dup", {}},
                   {"working", *SyscallSet::FromNames({"poll", "read", "write"}), "", {}}};
  r.programs = {client};
  r.discovery = {{"ssh client: one command", {{0.0, 1}, {0.02, 4}, {0.2, 6}}}};
  return r;
}

// Appended to a copy of the page: measures every chart as the browser laid it out.
constexpr const char* kCheckScript = R"(<script>
const rows = [];
document.querySelectorAll('figure svg').forEach(svg => {
  const box = svg.getBoundingClientRect();
  const bars = [...svg.querySelectorAll('.bar')].filter(b => b.getBBox().height > 0).length;
  const lines = [...svg.querySelectorAll('.line')].filter(l => l.getTotalLength() > 0).length;
  rows.push(`${Math.round(box.width)} ${Math.round(box.height)} ${bars} ${lines}`);
});
document.body.insertAdjacentHTML('beforeend', '<pre id="check">' + rows.join(';') + '</pre>');
</script>)";

TEST(ReportBrowser, EveryChartRendersNonEmptyInHeadlessChromium) {
  Result<std::string> chromium = FindChromium();
  ASSERT_TRUE(chromium.ok()) << chromium.error().message();
  ScratchDir dir;
  ASSERT_TRUE(WriteStudyReport(SampleResult(), dir.path()).ok());
  std::string page = ReadWholeFile(dir.File("index.html"));
  std::string checked = page;
  checked.insert(checked.rfind("</body>"), kCheckScript);
  WriteWholeFile(dir.File("checked.html"), checked);

  Result<std::string> dom = DumpRenderedDom(*chromium, dir.File("checked.html"));
  ASSERT_TRUE(dom.ok()) << dom.error().message();
  size_t start = dom->rfind("<pre id=\"check\">");  // the script holds the text too
  ASSERT_NE(start, std::string::npos) << "the page did not render";
  std::string rows = dom->substr(start + 16, dom->find("</pre>", start) - start - 16);
  std::vector<std::string> charts;
  for (size_t at = 0; at <= rows.size();) {
    size_t end = rows.find(';', at);
    charts.push_back(rows.substr(at, end == std::string::npos ? std::string::npos : end - at));
    if (end == std::string::npos) break;
    at = end + 1;
  }
  ASSERT_EQ(charts.size(), 3u) << rows;  // figure1, figure2, timeline
  for (const std::string& chart : charts) {
    int width = 0, height = 0, bars = 0, lines = 0;
    ASSERT_EQ(sscanf(chart.c_str(), "%d %d %d %d", &width, &height, &bars, &lines), 4) << chart;
    EXPECT_GT(width, 300) << chart;
    EXPECT_GT(height, 200) << chart;
    EXPECT_GT(bars + lines, 0) << "an empty chart: " << chart;
  }

  ASSERT_TRUE(
      CaptureScreenshot(*chromium, dir.File("index.html"), dir.File("screenshot.png")).ok());
  std::string png = ReadWholeFile(dir.File("screenshot.png"));
  ASSERT_GT(png.size(), 10000u);
  EXPECT_EQ(png.substr(1, 3), "PNG");
}

}  // namespace
}  // namespace sysfence::testing
