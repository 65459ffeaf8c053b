// Pins down automatic detection on timelines with known phases: start-up burst, wait, new burst.
#include "phases/phase_detector.h"

#include <gtest/gtest.h>

#include "syscalls/syscall_table.h"

namespace sysfence {
namespace {

// Appends `names` as calls 10 us apart starting at `start`; returns the end time.
double Burst(std::vector<TimelineEvent>& events, double start,
             std::initializer_list<std::string_view> names, int repeat = 1) {
  double t = start;
  for (int r = 0; r < repeat; ++r) {
    for (std::string_view name : names) {
      events.push_back({t, 1, *SyscallNumber(name)});
      t += 10e-6;
    }
  }
  return t;
}

TEST(PhaseDetector, FindsTheBoundariesOfAKnownThreePhaseProgram) {
  std::vector<TimelineEvent> events;
  double t = Burst(events, 0, {"execve", "brk", "mmap", "openat", "read", "close", "mprotect"}, 20);
  t = Burst(events, t, {"poll"});  // waits 0.5 s
  t = Burst(events, t + 0.5, {"socket", "connect", "sendto", "recvfrom", "read"}, 10);
  t = Burst(events, t, {"poll"});
  Burst(events, t + 0.3, {"write", "getrandom", "madvise", "read"}, 10);

  PhaseProposal proposal = DetectPhases(events, {});
  ASSERT_EQ(proposal.boundaries.size(), 2u) << FormatProposal(proposal);
  EXPECT_EQ(proposal.boundaries[0].suggested_spec, "phase2=syscall:socket");
  EXPECT_EQ(SyscallName(proposal.boundaries[0].waiting_call), "poll");
  EXPECT_NEAR(proposal.boundaries[0].quiet_seconds, 0.5, 1e-4);
  EXPECT_EQ(proposal.boundaries[0].new_syscalls.Names(),
            (std::vector<std::string>{"connect", "recvfrom", "sendto", "socket"}));
  EXPECT_EQ(proposal.boundaries[1].suggested_spec, "phase3=syscall:write");
  ASSERT_EQ(proposal.phase_sets.size(), 3u);
  EXPECT_EQ(proposal.discovery.size(), 15u);
  EXPECT_EQ(proposal.discovery.back().distinct_so_far, 15);
}

TEST(PhaseDetector, AWaitWithoutNewSyscallsIsNotAPhase) {
  std::vector<TimelineEvent> events;
  double t = Burst(events, 0, {"execve", "brk", "mmap", "poll", "read", "write"}, 10);
  for (int i = 0; i < 5; ++i) t = Burst(events, t + 0.2, {"poll", "read", "write"});
  EXPECT_TRUE(DetectPhases(events, {}).boundaries.empty());
}

// A traced command starts with its execve, which takes a while (the kernel loads the program)
// and is followed by the whole start-up's new calls: that is the program starting, not a
// phase of it.
TEST(PhaseDetector, TheTimeAnExecveTakesIsNotAWait) {
  std::vector<TimelineEvent> events;
  double t = Burst(events, 0, {"execve"});
  t = Burst(events, t + 0.01, {"brk", "mmap", "openat", "read", "close", "mprotect"}, 20);
  t = Burst(events, t, {"poll"});
  Burst(events, t + 0.5, {"socket", "connect", "sendto", "recvfrom"}, 10);
  PhaseProposal proposal = DetectPhases(events, {});
  ASSERT_EQ(proposal.boundaries.size(), 1u) << FormatProposal(proposal);
  EXPECT_EQ(proposal.boundaries[0].suggested_spec, "phase2=syscall:socket");
}

TEST(PhaseDetector, KeepsOnlyTheMostNovelBoundariesUpToMaxPhases) {
  std::vector<TimelineEvent> events;
  double t = Burst(events, 0, {"execve", "brk"}, 10);
  t = Burst(events, t + 0.1, {"socket", "connect"});
  t = Burst(events, t + 0.1, {"openat", "read", "close", "fstat", "lseek"});
  t = Burst(events, t + 0.1, {"write", "getpid"});
  DetectorOptions options;
  options.max_phases = 2;
  PhaseProposal proposal = DetectPhases(events, options);
  ASSERT_EQ(proposal.boundaries.size(), 1u);
  EXPECT_EQ(proposal.boundaries[0].suggested_spec, "phase2=syscall:openat");
}

TEST(PhaseDetector, EmptyTimelineProposesNothing) {
  PhaseProposal proposal = DetectPhases({}, {});
  EXPECT_TRUE(proposal.boundaries.empty());
  EXPECT_NE(FormatProposal(proposal).find("No phase boundary"), std::string::npos);
}

}  // namespace
}  // namespace sysfence
