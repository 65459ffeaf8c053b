// Automatic phase detection: proposes phase boundaries in a time-ordered stream of syscalls
// (`sysfence phases`, `sysfence trace --auto-phases`), with the evidence for each and a
// `--phase` trigger that reproduces it on the next run.
//
//   std::vector<TimelineEvent> events = ...;    // from the tracer or an strace -ttt log
//   PhaseProposal proposal = DetectPhases(events, {});
//   for (const ProposedBoundary& b : proposal.boundaries) fmt::print("{}\n", b.suggested_spec);
//
// The idea: a program's life is bursts of activity separated by waits. The start-up burst
// discovers most of the syscalls the program will ever use, then it blocks (on a socket, a
// terminal, a child); what follows a wait and brings syscalls never seen before is a new phase.
// A wait alone is not a phase (a server's idle loop waits all the time), and new syscalls alone
// are not either (a start-up burst discovers new calls continuously), so a boundary needs both:
// a quiet stretch, then novelty.
#ifndef SYSFENCE_PHASES_PHASE_DETECTOR_H_
#define SYSFENCE_PHASES_PHASE_DETECTOR_H_

#include <string>
#include <vector>

#include "profile/syscall_set.h"

namespace sysfence {

struct TimelineEvent {
  double time = 0;  // seconds since the start
  int pid = 0;
  int number = -1;  // syscall number
};

struct DetectorOptions {
  // A gap counts as a quiet stretch when it is at least this long...
  double min_quiet_seconds = 0.005;
  // ...and at least this many times the median gap between calls.
  double min_quiet_ratio = 50;
  // A boundary must be followed by at least this many syscalls never seen before it.
  int min_new_syscalls = 2;
  // At most this many phases are proposed (the largest novelty wins).
  int max_phases = 4;
};

struct ProposedBoundary {
  size_t event_index = 0;     // the first event of the new phase
  double time = 0;
  double quiet_seconds = 0;   // length of the wait before it
  int waiting_call = -1;      // the syscall that was waiting (the event before the gap)
  int waiting_pid = 0;
  SyscallSet new_syscalls;    // first seen in the new phase
  std::string suggested_name;
  std::string suggested_spec;  // NAME=TRIGGER for `sysfence trace --phase`
  std::string evidence;        // one sentence for a person
};

struct DiscoveryPoint {
  double time = 0;
  int number = -1;
  int distinct_so_far = 0;
};

struct PhaseProposal {
  std::vector<ProposedBoundary> boundaries;
  std::vector<DiscoveryPoint> discovery;  // one point per newly seen syscall
  std::vector<SyscallSet> phase_sets;     // the calls of each proposed phase
  double duration = 0;
  size_t event_count = 0;
};

PhaseProposal DetectPhases(const std::vector<TimelineEvent>& events,
                           const DetectorOptions& options);

// A terminal rendering: boundaries with evidence, per-phase sizes, a discovery timeline, and
// the `sysfence trace --phase ...` line that reproduces the boundaries.
std::string FormatProposal(const PhaseProposal& proposal);

}  // namespace sysfence

#endif  // SYSFENCE_PHASES_PHASE_DETECTOR_H_
