// Scoped signal dispositions: while a SignalScope lives, the chosen signals go to the chosen
// handler, and the previous dispositions come back when it goes. Two users: TerminationSignals
// below, with which a trace (or a study) stops cleanly on SIGINT, SIGTERM and SIGHUP, and
// `sysfence run`, which ignores terminal signals and forwards termination requests to the
// program it runs.
//
//   SignalScope ignore({SIGINT, SIGQUIT}, SIG_IGN);
//   SignalScope forward({SIGTERM, SIGHUP}, ForwardToChild);
//
//   TerminationSignals signals;          // installs the handlers
//   while (...) { if (signals.Received()) break; wait4(...); }   // EINTR wakes the wait
//   // the destructor restores the previous handlers
#ifndef SYSFENCE_BASE_SIGNAL_SCOPE_H_
#define SYSFENCE_BASE_SIGNAL_SCOPE_H_

#include <signal.h>

#include <initializer_list>
#include <optional>
#include <utility>
#include <vector>

namespace sysfence {

class SignalScope {
 public:
  // Installs `handler` (a function, SIG_IGN or SIG_DFL) for each of `signals`, without
  // SA_RESTART, so that a blocking call the signal interrupts returns EINTR, and with every
  // signal blocked while the handler runs.
  SignalScope(std::initializer_list<int> signals, void (*handler)(int));
  ~SignalScope();
  SignalScope(const SignalScope&) = delete;
  SignalScope& operator=(const SignalScope&) = delete;

 private:
  std::vector<std::pair<int, struct sigaction>> previous_;
};

// While a trace runs, SIGINT, SIGTERM and SIGHUP sent to sysfence must not kill it outright:
// it has to kill its tracees and write what it saw. This scoped object catches them. One at a
// time: the flag is process-wide, as a signal handler can reach nothing else.
class TerminationSignals {
 public:
  TerminationSignals();
  ~TerminationSignals();
  TerminationSignals(const TerminationSignals&) = delete;
  TerminationSignals& operator=(const TerminationSignals&) = delete;

  // The first termination signal received, or 0.
  int Received() const;

 private:
  std::optional<SignalScope> termination_;
  std::optional<SignalScope> alarm_;
};

}  // namespace sysfence

#endif  // SYSFENCE_BASE_SIGNAL_SCOPE_H_
