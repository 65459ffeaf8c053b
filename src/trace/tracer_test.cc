// The ptrace backend's promise that no traced process outlives it: a Tracer that goes away
// before it has seen its tracees end kills and reaps them.
#include "trace/tracer.h"

#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "record/recorder.h"

namespace sysfence {
namespace {

TEST(Tracer, DestructorKillsAndReapsTracees) {
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    for (;;) pause();
  }
  ASSERT_EQ(ptrace(PTRACE_SEIZE, child, 0, 0), 0);
  {
    Recorder recorder(nullptr);
    recorder.Start(child);
    Tracer tracer(StopMode::kSeccomp, &recorder, nullptr);
  }
  // Reaped already: there is nothing left to wait for, and the pid is gone.
  EXPECT_EQ(waitpid(child, nullptr, WNOHANG), -1);
  EXPECT_EQ(kill(child, 0), -1);
}

}  // namespace
}  // namespace sysfence
