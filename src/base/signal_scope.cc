// Scoped handlers, and catching SIGINT/SIGTERM/SIGHUP during a trace (see signal_scope.h).
//
// The tracer spends its time blocked in wait4. The handlers are installed without SA_RESTART,
// so a signal that arrives during the wait makes it return EINTR and the loop sees the flag.
// A signal that arrives just after the loop checked the flag and before wait4 entered the
// kernel would otherwise be noticed only at the next tracee event, possibly never; so the
// handler also arms a one-second alarm, whose (empty) SIGALRM handler interrupts that wait.
#include "base/signal_scope.h"

#include <unistd.h>

#include <cassert>
#include <csignal>

namespace sysfence {
namespace {

volatile sig_atomic_t g_received_signal = 0;
bool g_installed = false;

void OnTerminationSignal(int signal) {
  if (g_received_signal == 0) g_received_signal = signal;
  alarm(1);
}

void OnAlarm(int /*signal*/) {}

}  // namespace

SignalScope::SignalScope(std::initializer_list<int> signals, void (*handler)(int)) {
  for (int signal : signals) {
    struct sigaction action {};
    action.sa_handler = handler;
    sigfillset(&action.sa_mask);
    action.sa_flags = 0;  // no SA_RESTART
    struct sigaction previous {};
    sigaction(signal, &action, &previous);
    previous_.emplace_back(signal, previous);
  }
}

SignalScope::~SignalScope() {
  for (const auto& [signal, previous] : previous_) sigaction(signal, &previous, nullptr);
}

TerminationSignals::TerminationSignals() {
  assert(!g_installed && "one TerminationSignals at a time");
  g_installed = true;
  g_received_signal = 0;
  termination_.emplace(std::initializer_list<int>{SIGINT, SIGTERM, SIGHUP}, OnTerminationSignal);
  alarm_.emplace(std::initializer_list<int>{SIGALRM}, OnAlarm);
}

TerminationSignals::~TerminationSignals() {
  alarm(0);
  alarm_.reset();
  termination_.reset();
  g_installed = false;
}

int TerminationSignals::Received() const { return g_received_signal; }

}  // namespace sysfence
