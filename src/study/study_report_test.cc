// Pins down the study report: numbers come from the data, the poster's are labelled, misses
// of the static analysis are shown in red, and the HTML page holds every chart inline.
#include "study/study_report.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "base/file_util.h"

namespace sysfence {
namespace {

StudyResult SshLikeResult() {
  StudyResult r;
  r.study = "ssh";
  r.machine = "test machine";
  r.poster = {
      {"SSH, dynamic", 83, "syscalls", "SSH combined", "dynamic"},
      {"SSH, static", 111, "syscalls", "SSH combined", "static"},
      {"SSH client, working phase", 20, "% of the application", "ssh client", "phase:working"}};
  ProgramSets client;
  client.name = "ssh client";
  client.binary = "/usr/bin/ssh";
  client.runs = 2;
  client.dynamic = *SyscallSet::FromNames({"read", "write", "connect", "socket", "poll"});
  client.seen_in_runs = {{0, 2}, {1, 2}, {42, 1}, {41, 2}, {7, 2}};
  client.static_set =
      *SyscallSet::FromNames({"read", "write", "connect", "socket", "poll", "mkdir"});
  client.phases = {{"init", *SyscallSet::FromNames({"read", "socket", "connect"}), "", {}},
                   {"working", *SyscallSet::FromNames({"read", "write"}), "write:fd=1", {}}};
  r.programs.push_back(client);
  ProgramSets combined = client;
  combined.name = "SSH combined";
  combined.phases.clear();
  r.programs.push_back(combined);
  r.runs.push_back({"ssh client", "echo", "ssh host echo hi", 0, 5, 5});
  r.discovery.push_back({"ssh client: echo", {{0.0, 1}, {0.1, 4}, {0.3, 5}}});
  return r;
}

TEST(StudyReport, SummaryAndMarkdownCarryComputedNumbersAndLabelledPosterFigures) {
  StudyResult r = SshLikeResult();
  std::string summary = StudySummaryText(r);
  EXPECT_NE(summary.find("ssh client"), std::string::npos);
  EXPECT_NE(summary.find("40.0% of ssh client"), std::string::npos) << summary;  // 2 of 5
  std::string md = StudyMarkdown(r);
  EXPECT_NE(md.find("| SSH, dynamic | *poster* | 83 |"), std::string::npos) << md;
  EXPECT_NE(md.find("Only static (found statically, never traced) (1)"), std::string::npos);
  EXPECT_NE(md.find("mkdir"), std::string::npos);
  EXPECT_NE(md.find("connect (1/2)"), std::string::npos) << "rare calls are named";
  EXPECT_NE(md.find("Dynamic: 5 syscalls here against the poster's 83"), std::string::npos);
}

TEST(StudyReport, InitializationAndAuthenticationAreAlsoShownTogetherAsThePosterMeasured) {
  StudyResult r = SshLikeResult();
  r.programs[0].phases = {
      {.name = "init", .syscalls = *SyscallSet::FromNames({"read", "socket"})},
      {.name = "auth", .syscalls = *SyscallSet::FromNames({"read", "connect"})},
      {.name = "working", .syscalls = *SyscallSet::FromNames({"read", "write"})}};
  // read, socket, connect: 3 of the client's 5.
  EXPECT_NE(StudyMarkdown(r).find("| init + auth, together as the poster measured them | 3 | "
                                  "60.0% |"),
            std::string::npos)
      << StudyMarkdown(r);
  EXPECT_NE(StudySummaryText(r).find("(init + auth)"), std::string::npos);
  r.programs[0].phases.erase(r.programs[0].phases.begin() + 1);  // no "auth" phase
  EXPECT_EQ(StudyMarkdown(r).find("init + auth"), std::string::npos);
}

TEST(StudyReport, StaticMissesAreShownInRed) {
  StudyResult r = SshLikeResult();
  r.soundness_failures.push_back("ssh client: rseq");
  EXPECT_NE(StudyMarkdown(r).find("color:red"), std::string::npos);
  EXPECT_NE(StudyHtml(r).find("class=\"fail\""), std::string::npos);
  EXPECT_NE(StudySummaryText(r).find("\x1b[31m"), std::string::npos);
}

TEST(StudyReport, ChartsAreTheFiguresOfTheStudy) {
  StudyResult r = SshLikeResult();
  std::vector<std::string> names;
  for (const auto& [name, svg] : StudyCharts(r)) {
    names.push_back(name);
    EXPECT_NE(svg.find("</svg>"), std::string::npos);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"figure1.svg", "figure2.svg", "timeline.svg"}));
  // A second program with phases has a chart named after it.
  r.programs[1].phases = r.programs[0].phases;
  EXPECT_EQ(StudyCharts(r)[2].first, "figure2-SSH-combined.svg");
}

TEST(StudyReport, JsonAndCsvHoldTheSets) {
  StudyResult r = SshLikeResult();
  auto json = nlohmann::json::parse(StudyJson(r));
  EXPECT_EQ(json["programs"][0]["only_static"], (nlohmann::json{"mkdir"}));
  EXPECT_EQ(json["programs"][0]["phases"][1]["count"], 2);
  EXPECT_EQ(json["poster"][0]["value"], 83);
  std::string csv = StudyCsv(r);
  EXPECT_NE(csv.find("ssh client,mkdir,83,file,0,1,0,2\n"), std::string::npos) << csv;
}

// The argument values the traces saw, beside the static profile's: "any" where it does not
// constrain the argument; a traced value the static profile lacks is a miss.
TEST(StudyReport, ArgumentValuesAreShownTracedBesideStatic) {
  StudyResult r = SshLikeResult();
  ProgramSets& client = r.programs[0];
  client.dynamic_args[41] = {{0, {2, 10}}, {1, {1}}};  // socket AF_INET, AF_INET6; SOCK_STREAM
  client.static_args[41] = {{0, {2, 10, 1}}};
  std::string md = StudyMarkdown(r);
  EXPECT_NE(md.find("## Argument values"), std::string::npos);
  EXPECT_NE(md.find("| socket | domain | AF_INET, AF_INET6 | AF_UNIX, AF_INET, AF_INET6 |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| socket | type | SOCK_STREAM | any |"), std::string::npos) << md;
  auto json = nlohmann::json::parse(StudyJson(r));
  EXPECT_EQ(json["programs"][0]["args"][1]["static"], "any");
  EXPECT_EQ(json["programs"][0]["args"][0]["dynamic"], (nlohmann::json{"AF_INET", "AF_INET6"}));
  EXPECT_NE(StudyHtml(r).find("<td>AF_INET, AF_INET6</td>"), std::string::npos);

  client.static_args[41] = {{0, {2}}};
  std::vector<ArgumentFacts> facts = ArgumentFactsOf(client);
  ASSERT_EQ(facts.size(), 2u);
  EXPECT_EQ(facts[0].static_misses, (std::vector<std::string>{"AF_INET6"}));

  // What only the static profile constrains comes after, with no traced values.
  client.static_args[16] = {{1, {0x5401}}};  // ioctl TCGETS
  facts = ArgumentFactsOf(client);
  ASSERT_EQ(facts.size(), 3u);
  EXPECT_EQ(facts[2].syscall, "ioctl");
  EXPECT_TRUE(facts[2].dynamic.empty());
  EXPECT_EQ(facts[2].static_values, (std::vector<std::string>{"TCGETS"}));
  EXPECT_NE(StudyMarkdown(r).find("| ioctl | request | not traced | TCGETS |"), std::string::npos)
      << StudyMarkdown(r);
}

TEST(StudyReport, WritesEveryFileIntoTheDirectory) {
  std::string dir =
      (std::filesystem::temp_directory_path() / "sysfence-study-report-test").string();
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(WriteStudyReport(SshLikeResult(), dir).ok());
  for (const char* file : {"report.md", "summary.txt", "data.json", "data.csv", "index.html",
                           "figure1.svg", "figure2.svg", "timeline.svg"}) {
    EXPECT_TRUE(std::filesystem::exists(dir + "/" + file)) << file;
  }
  std::string html = *ReadFile(dir + "/index.html");
  EXPECT_EQ(std::count(html.begin(), html.end(), '\n') > 10, true);
  EXPECT_NE(html.find("<figure id=\"figure2.svg\"><svg"), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sysfence
