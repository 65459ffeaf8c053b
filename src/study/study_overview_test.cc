// Pins down the overview across studies: one bar group per program (labelled with its study
// when two studies share a program name), each program's last phase in the phase figure, the
// published figures beside ours, and failed studies named.
#include "study/study_overview.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace sysfence {
namespace {

StudyResult OneProgramStudy(const std::string& study, const std::string& program, int dynamic,
                            int serving) {
  StudyResult r;
  r.study = study;
  ProgramSets p;
  p.name = program;
  p.runs = 2;
  for (int number = 0; number < dynamic; ++number) p.dynamic.Insert(number);
  p.static_set = p.dynamic;
  p.static_set->Insert(300);
  if (serving > 0) {
    Phase startup{.name = "startup", .syscalls = p.dynamic, .trigger = ""};
    Phase last{.name = "serving", .syscalls = {}, .trigger = "syscall:epoll_wait"};
    for (int number = 0; number < serving; ++number) last.syscalls.Insert(number);
    p.phases = {startup, last};
  }
  r.programs.push_back(p);
  return r;
}

TEST(StudyOverview, OneGroupPerProgramAndTheLastPhaseOfEachServer) {
  StudyResult redis = OneProgramStudy("redis", "redis-server", 40, 10);
  redis.poster.push_back(
      {"Redis, serving", 20, "% of the application", "redis-server", "phase:serving"});
  std::vector<StudyOverviewEntry> entries = {
      {"curl", "curl", OneProgramStudy("curl", "curl", 30, 0), ""},
      {"nginx", "nginx", OneProgramStudy("nginx", "curl", 20, 0), ""},
      {"redis", "redis", redis, ""},
      {"broken", "broken", std::nullopt, "no such program"}};
  std::vector<std::pair<std::string, std::string>> charts = StudyOverviewCharts(entries);
  ASSERT_EQ(charts.size(), 2u);
  EXPECT_EQ(charts[0].first, "overview-figure1.svg");
  // Two studies have a program named curl: each is labelled with its study.
  EXPECT_NE(charts[0].second.find(">curl: curl<"), std::string::npos);
  EXPECT_NE(charts[0].second.find(">nginx: curl<"), std::string::npos);
  EXPECT_NE(charts[1].second.find(">redis-server (serving)<"), std::string::npos);
  EXPECT_NE(charts[1].second.find(">25.0<"), std::string::npos) << "10 of 40";
  EXPECT_NE(charts[1].second.find("published"), std::string::npos);

  nlohmann::json json = nlohmann::json::parse(StudyOverviewJson(entries));
  ASSERT_EQ(json["studies"].size(), 4u);
  EXPECT_EQ(json["studies"][2]["programs"][0]["phases"][1]["percent_of_program"], 25.0);
  EXPECT_EQ(json["studies"][2]["programs"][0]["static_count"], 41);
  EXPECT_EQ(json["studies"][3]["error"], "no such program");
  std::string text = StudyOverviewText(entries);
  EXPECT_NE(text.find("serving 10 (25.0% of the program)"), std::string::npos) << text;
  EXPECT_NE(text.find("broken     FAILED: no such program"), std::string::npos) << text;
}

}  // namespace
}  // namespace sysfence
