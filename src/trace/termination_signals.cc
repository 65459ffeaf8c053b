// Catching SIGINT/SIGTERM/SIGHUP during a trace (see termination_signals.h).
//
// The tracer spends its time blocked in wait4. The handlers are installed without SA_RESTART,
// so a signal that arrives during the wait makes it return EINTR and the loop sees the flag.
// A signal that arrives just after the loop checked the flag and before wait4 entered the
// kernel would otherwise be noticed only at the next tracee event, possibly never; so the
// handler also arms a one-second alarm, whose (empty) SIGALRM handler interrupts that wait.
// The flag is process-wide state because a signal handler can reach nothing else.
#include "trace/termination_signals.h"

#include <unistd.h>

#include <cassert>
#include <csignal>
#include <iterator>

namespace sysfence {
namespace {

volatile sig_atomic_t g_received_signal = 0;
bool g_installed = false;

void OnTerminationSignal(int signal) {
  if (g_received_signal == 0) g_received_signal = signal;
  alarm(1);
}

void OnAlarm(int) {}

}  // namespace

TerminationSignals::TerminationSignals() {
  assert(!g_installed && "one TerminationSignals at a time");
  g_installed = true;
  g_received_signal = 0;
  for (size_t i = 0; i < std::size(kCaught); ++i) {
    struct sigaction action{};
    action.sa_handler = kCaught[i] == SIGALRM ? OnAlarm : OnTerminationSignal;
    sigfillset(&action.sa_mask);
    action.sa_flags = 0;  // no SA_RESTART: the signal must interrupt wait4
    sigaction(kCaught[i], &action, &previous_[i]);
  }
}

TerminationSignals::~TerminationSignals() {
  alarm(0);
  for (size_t i = 0; i < std::size(kCaught); ++i) sigaction(kCaught[i], &previous_[i], nullptr);
  g_installed = false;
}

int TerminationSignals::Received() const { return g_received_signal; }

}  // namespace sysfence
