// From the tracer's flat counters to a Profile: per-image sets, counts, phases, i386 calls.
#include "record/call_counters.h"

#include <gtest/gtest.h>

namespace sysfence {
namespace {

int Nr(std::string_view name) { return SyscallNumber(name).value(); }

TEST(CallCounters, ImagesCountsAndUnion) {
  CallCounters counters;
  ImageCounters* shell = counters.Intern("/usr/bin/dash");
  ImageCounters* ls = counters.Intern("/usr/bin/ls");
  EXPECT_EQ(counters.Intern("/usr/bin/dash"), shell) << "interning is idempotent";
  shell->ForPhase(0).x86_64[Nr("execve")] += 2;
  ls->ForPhase(0).x86_64[Nr("getdents64")] += 3;
  ls->ForPhase(0).x86_64[Nr("execve")] += 0;
  ls->ForPhase(0).x86_64[600] += 1;
  counters.Intern("/usr/bin/silent");

  Profile profile;
  EXPECT_EQ(counters.AddToProfile(&profile), 0u);
  EXPECT_EQ(profile.syscalls.Names(), (std::vector<std::string>{"execve", "getdents64",
                                                                "syscall_600"}));
  EXPECT_EQ(profile.counts.at(Nr("execve")), 2u);
  EXPECT_EQ(profile.counts.at(Nr("getdents64")), 3u);
  EXPECT_EQ(profile.images.at("/usr/bin/dash").Names(), (std::vector<std::string>{"execve"}));
  EXPECT_EQ(profile.images.at("/usr/bin/ls").Names(),
            (std::vector<std::string>{"getdents64", "syscall_600"}));
  EXPECT_TRUE(profile.images.at("/usr/bin/silent").Empty()) << "an exec'd image is listed";
  EXPECT_TRUE(profile.phases.empty());
}

TEST(CallCounters, PhasesGetTheCallsCountedWhileCurrent) {
  CallCounters counters;
  ImageCounters* image = counters.Intern("/usr/bin/ssh");
  image->ForPhase(0).x86_64[Nr("brk")] += 1;      // before any phase
  image->ForPhase(1).x86_64[Nr("openat")] += 4;   // phase "init"
  image->ForPhase(2).x86_64[Nr("read")] += 5;     // phase "work"
  image->ForPhase(1).x86_64[Nr("read")] += 1;     // switching back finds the same block
  Profile profile;
  profile.phases.push_back(Phase{.name = "init"});
  profile.phases.push_back(Phase{.name = "work", .trigger = "openat /etc/passwd"});
  counters.Intern("/usr/bin/cat")->ForPhase(2).x86_64[Nr("write")] += 1;
  counters.AddToProfile(&profile);
  EXPECT_EQ(profile.phases[0].syscalls.Names(), (std::vector<std::string>{"openat", "read"}));
  EXPECT_EQ(profile.phases[0].counts.at(Nr("read")), 1u);
  EXPECT_EQ(profile.phases[1].counts.at(Nr("read")), 5u);
  EXPECT_EQ(profile.counts.at(Nr("read")), 6u);
  // Each phase keeps which image made which call.
  EXPECT_EQ(profile.phases[1].syscalls.Names(), (std::vector<std::string>{"read", "write"}));
  EXPECT_EQ(profile.phases[1].images.at("/usr/bin/ssh").Names(),
            (std::vector<std::string>{"read"}));
  EXPECT_EQ(profile.phases[1].images.at("/usr/bin/cat").Names(),
            (std::vector<std::string>{"write"}));
  EXPECT_EQ(profile.phases[0].images.count("/usr/bin/cat"), 0u);
  EXPECT_TRUE(profile.syscalls.Contains("brk"));
}

TEST(CallCounters, I386CallsGoToCompatByI386Name) {
  CallCounters counters;
  ImageCounters* image = counters.Intern("/opt/legacy");
  image->ForPhase(0).i386[20] += 2;   // i386 getpid, not x86-64 writev (20)
  image->ForPhase(0).i386[511] += 1;  // no i386 call has this number
  Profile profile;
  EXPECT_EQ(counters.AddToProfile(&profile), 1u);
  EXPECT_EQ(profile.compat_i386.at("getpid"), 2u);
  EXPECT_FALSE(profile.syscalls.Contains("writev"));
  EXPECT_FALSE(profile.syscalls.Contains("getpid"));
}

}  // namespace
}  // namespace sysfence
