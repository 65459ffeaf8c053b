// Loads a study report in headless Chromium (a real browser) and checks that every chart is
// laid out with a size and that its bars and lines are drawn; saves a screenshot beside it.
#include <gtest/gtest.h>

#include "base/file_util.h"
#include "report/browser.h"
#include "study/study_overview.h"
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

// Renders DIR/index.html with the check script and returns one "width height bars lines" row
// per chart, as the browser laid it out.
std::vector<std::string> RenderedCharts(const std::string& chromium, const ScratchDir& dir) {
  std::string checked = ReadWholeFile(dir.File("index.html"));
  checked.insert(checked.rfind("</body>"), kCheckScript);
  WriteWholeFile(dir.File("checked.html"), checked);
  Result<std::string> dom = DumpRenderedDom(chromium, dir.File("checked.html"));
  EXPECT_TRUE(dom.ok()) << dom.error().message();
  if (!dom.ok()) return {};
  size_t start = dom->rfind("<pre id=\"check\">");  // the script holds the text too
  EXPECT_NE(start, std::string::npos) << "the page did not render";
  if (start == std::string::npos) return {};
  std::string rows = dom->substr(start + 16, dom->find("</pre>", start) - start - 16);
  std::vector<std::string> charts;
  for (size_t at = 0; at <= rows.size();) {
    size_t end = rows.find(';', at);
    charts.push_back(rows.substr(at, end == std::string::npos ? std::string::npos : end - at));
    if (end == std::string::npos) break;
    at = end + 1;
  }
  return charts;
}

void ExpectDrawn(const std::vector<std::string>& charts, int max_width) {
  for (const std::string& chart : charts) {
    int width = 0, height = 0, bars = 0, lines = 0;
    ASSERT_EQ(sscanf(chart.c_str(), "%d %d %d %d", &width, &height, &bars, &lines), 4) << chart;
    EXPECT_GT(width, 300) << chart;
    EXPECT_LE(width, max_width) << "wider than the page: " << chart;
    EXPECT_GT(height, 150) << chart;
    EXPECT_GT(bars + lines, 0) << "an empty chart: " << chart;
  }
}

void ExpectScreenshot(const std::string& chromium, const ScratchDir& dir) {
  ASSERT_TRUE(CaptureScreenshot(chromium, dir.File("index.html"), dir.File("screenshot.png")).ok());
  std::string png = ReadWholeFile(dir.File("screenshot.png"));
  ASSERT_GT(png.size(), 10000u);
  EXPECT_EQ(png.substr(1, 3), "PNG");
}

TEST(ReportBrowser, EveryChartRendersNonEmptyInHeadlessChromium) {
  Result<std::string> chromium = FindChromium();
  ASSERT_TRUE(chromium.ok()) << chromium.error().message();
  ScratchDir dir;
  ASSERT_TRUE(WriteStudyReport(SampleResult(), dir.path()).ok());
  std::vector<std::string> charts = RenderedCharts(*chromium, dir);
  ASSERT_EQ(charts.size(), 3u);  // figure1, figure2, timeline
  ExpectDrawn(charts, 1000);
  ExpectScreenshot(*chromium, dir);
}

// The overview across studies: both figures drawn within the page, however many programs.
TEST(ReportBrowser, TheOverviewAcrossStudiesRendersWithinThePage) {
  Result<std::string> chromium = FindChromium();
  ASSERT_TRUE(chromium.ok()) << chromium.error().message();
  std::vector<StudyOverviewEntry> entries;
  for (int i = 0; i < 6; ++i) {
    StudyResult r = SampleResult();
    r.study = "study" + std::to_string(i);
    entries.push_back({r.study, r.study, r, ""});
  }
  entries.push_back({"broken", "broken", std::nullopt, "sshd did not start"});
  ScratchDir dir;
  ASSERT_TRUE(WriteStudyOverview(entries, dir.path()).ok());
  std::vector<std::string> charts = RenderedCharts(*chromium, dir);
  ASSERT_EQ(charts.size(), 2u);  // overview-figure1, overview-figure2
  ExpectDrawn(charts, 960);      // the page's width: wide charts are scaled to fit
  ExpectScreenshot(*chromium, dir);
  std::string page = ReadWholeFile(dir.File("index.html"));
  EXPECT_NE(page.find("<a href=\"study5/index.html\">study5</a>"), std::string::npos);
  EXPECT_NE(page.find("failed: sshd did not start"), std::string::npos);
}
}  // namespace
}  // namespace sysfence::testing
