// Pins down study.txt (docs/STUDY.md): every directive is read into the spec, mistakes are
// reported with their line before anything runs, and the checked-in studies parse.
#include "study/study_spec.h"

#include <gtest/gtest.h>

#include "study/study_runner.h"

namespace sysfence {
namespace {

TEST(StudySpec, ReadsEveryDirective) {
  Result<StudySpec> spec = ParseStudySpec(R"(# a comment
title A server and its client
requires root
requires srv cli
packages srv-package
ports port admin
inputs inputs.sh
setup setup.sh
program server /usr/sbin/srv
program "the client" cli
runs "the client" runs.txt must-succeed
phases server server-phases.txt
helper python3 -m http.server {admin}
ready tcp {admin}
stop signal INT
service server /usr/sbin/srv -p {port} --pid {work}/srv.pid
ready unix {work}/srv.sock
stop command /usr/sbin/srv -s stop
combine both server "the client"
poster both dynamic 83 "Both, dynamic"
poster server phase:serving 21.5 "Server, serving phase"
)",
                                          "study.txt");
  ASSERT_TRUE(spec.ok()) << spec.error().message();
  EXPECT_EQ(spec->title, "A server and its client");
  EXPECT_TRUE(spec->requires_root);
  EXPECT_EQ(spec->required_programs, (std::vector<std::string>{"srv", "cli"}));
  EXPECT_EQ(spec->ports, (std::vector<std::string>{"port", "admin"}));
  ASSERT_EQ(spec->programs.size(), 2u);
  EXPECT_EQ(spec->programs[1].name, "the client");
  EXPECT_TRUE(spec->programs[1].runs_must_succeed);
  EXPECT_EQ(spec->programs[0].phases_file, "server-phases.txt");
  ASSERT_EQ(spec->services.size(), 2u);
  EXPECT_EQ(spec->services[0].program, "");
  EXPECT_EQ(spec->services[0].command, "python3 -m http.server {admin}");
  EXPECT_EQ(spec->services[0].stop_signal, 2);
  EXPECT_EQ(spec->services[1].program, "server");
  EXPECT_EQ(spec->services[1].ready.kind, ReadyCheck::Kind::kUnix);
  EXPECT_EQ(spec->services[1].stop_command, "/usr/sbin/srv -s stop");
  EXPECT_EQ(spec->combined[0].programs, (std::vector<std::string>{"server", "the client"}));
  ASSERT_EQ(spec->poster.size(), 2u);
  EXPECT_EQ(spec->poster[1].measure, "phase:serving");
  EXPECT_DOUBLE_EQ(spec->poster[1].value, 21.5);
}

TEST(StudySpec, MistakesNameTheirLine) {
  struct Case {
    const char* text;
    const char* message;
  };
  for (const Case& c : std::vector<Case>{
           {"program a a\nruns b runs.txt\n", "study.txt:2: 'b' is not a program"},
           {"program a a\nrunz a x\n", "study.txt:2: unknown directive 'runz'"},
           {"program a a\nruns a r.txt\nready tcp 1\n", "study.txt:3: 'ready' before any"},
           {"program a a\nruns a r.txt\nservice a a\nstop signal NOPE\n",
            "study.txt:4: 'NOPE' is not a signal name"},
           {"program a a\nruns a r.txt\nposter a dynamic x \"a\"\n", "study.txt:3: 'x' is not"},
           {"program a a\nservice a a\n", "the service or helper of line 2 has no 'ready'"},
           {"program a a\n", "program 'a' has neither runs nor a service"},
           {"title x\n", "no program line"},
           {"program a 'a\n", "study.txt:1: unterminated single quote"},
       }) {
    Result<StudySpec> spec = ParseStudySpec(c.text, "study.txt");
    ASSERT_FALSE(spec.ok()) << c.text;
    EXPECT_NE(spec.error().message().find(c.message), std::string::npos) << spec.error().message();
  }
}

TEST(StudySpec, PhaseFilesBecomeTraceOptions) {
  Result<std::vector<std::string>> args =
      ParsePhaseTriggers("# c\nfirst init\nauth=socket:AF_INET@process\n", "p.txt");
  ASSERT_TRUE(args.ok());
  EXPECT_EQ(*args, (std::vector<std::string>{"--first-phase", "init", "--phase",
                                             "auth=socket:AF_INET@process"}));
  Result<std::vector<std::string>> bad = ParsePhaseTriggers("first x\nnonsense\n", "p.txt");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("p.txt:2:"), std::string::npos);
}

TEST(StudySpec, TheCheckedInStudiesParse) {
  std::vector<std::string> studies = CheckedInStudies(DefaultWorkloadsDir());
  ASSERT_GE(studies.size(), 2u);
  for (const std::string& dir : studies) {
    Result<StudySpec> spec = LoadStudySpec(dir);
    EXPECT_TRUE(spec.ok()) << dir << ": " << spec.error().message();
  }
  EXPECT_TRUE(FindStudyDirectory("ssh", DefaultWorkloadsDir()).ok());
  Result<std::string> unknown = FindStudyDirectory("nope", DefaultWorkloadsDir());
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message().find("diff"), std::string::npos);
}

}  // namespace
}  // namespace sysfence
