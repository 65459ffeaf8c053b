// While a trace runs, SIGINT, SIGTERM and SIGHUP sent to sysfence must not kill it outright:
// it has to kill its tracees and write what it saw. This scoped object catches them.
//
//   TerminationSignals signals;          // installs the handlers
//   while (...) { if (signals.Received()) break; wait4(...); }   // EINTR wakes the wait
//   // the destructor restores the previous handlers
#ifndef SYSFENCE_TRACE_TERMINATION_SIGNALS_H_
#define SYSFENCE_TRACE_TERMINATION_SIGNALS_H_

#include <signal.h>

namespace sysfence {

class TerminationSignals {
 public:
  TerminationSignals();
  ~TerminationSignals();
  TerminationSignals(const TerminationSignals&) = delete;
  TerminationSignals& operator=(const TerminationSignals&) = delete;

  // The first termination signal received, or 0.
  int Received() const;

 private:
  static constexpr int kCaught[] = {SIGINT, SIGTERM, SIGHUP, SIGALRM};
  struct sigaction previous_[sizeof kCaught / sizeof kCaught[0]] = {};
};

}  // namespace sysfence

#endif  // SYSFENCE_TRACE_TERMINATION_SIGNALS_H_
