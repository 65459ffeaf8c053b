// Scoped signal handlers: installed while the scope lives, the previous ones restored after;
// TerminationSignals notes the first termination signal instead of dying of it.
#include "base/signal_scope.h"

#include <gtest/gtest.h>

namespace sysfence {
namespace {

void (*CurrentHandler(int signal))(int) {
  struct sigaction now {};
  sigaction(signal, nullptr, &now);
  return now.sa_handler;
}

TEST(SignalScope, InstallsAndRestores) {
  ASSERT_EQ(CurrentHandler(SIGUSR1), SIG_DFL);
  {
    SignalScope ignore({SIGUSR1, SIGUSR2}, SIG_IGN);
    EXPECT_EQ(CurrentHandler(SIGUSR1), SIG_IGN);
    EXPECT_EQ(CurrentHandler(SIGUSR2), SIG_IGN);
    raise(SIGUSR1);  // ignored: the test goes on
  }
  EXPECT_EQ(CurrentHandler(SIGUSR1), SIG_DFL);
  EXPECT_EQ(CurrentHandler(SIGUSR2), SIG_DFL);
}

TEST(TerminationSignals, NotesTheFirstSignalAndRestoresTheHandlers) {
  void (*before)(int) = CurrentHandler(SIGTERM);
  {
    TerminationSignals signals;
    EXPECT_EQ(signals.Received(), 0);
    raise(SIGTERM);
    raise(SIGHUP);
    EXPECT_EQ(signals.Received(), SIGTERM) << "the first one counts";
  }
  EXPECT_EQ(CurrentHandler(SIGTERM), before);
}

}  // namespace
}  // namespace sysfence
