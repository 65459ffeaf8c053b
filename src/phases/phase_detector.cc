// Phase boundary detection over a syscall timeline (the algorithm is described in
// phase_detector.h). Linear in the number of events apart from one sort of the gaps for the
// median.
#include "phases/phase_detector.h"

#include <sys/syscall.h>

#include <algorithm>

#include "syscalls/syscall_table.h"

namespace sysfence {
namespace {

double MedianGap(const std::vector<TimelineEvent>& events) {
  if (events.size() < 2) return 0;
  std::vector<double> gaps;
  gaps.reserve(events.size() - 1);
  for (size_t i = 1; i < events.size(); ++i) gaps.push_back(events[i].time - events[i - 1].time);
  std::nth_element(gaps.begin(), gaps.begin() + static_cast<ptrdiff_t>(gaps.size() / 2),
                   gaps.end());
  return gaps[gaps.size() / 2];
}

// The trigger that fires at the first call of a syscall never seen before the boundary.
std::string SuggestTrigger(const std::vector<TimelineEvent>& events, size_t from, size_t to,
                           const SyscallSet& seen_before) {
  for (size_t i = from; i < to; ++i) {
    if (!seen_before.Contains(events[i].number)) {
      return "syscall:" + SyscallDisplayName(events[i].number);
    }
  }
  return "mark";
}

}  // namespace

PhaseProposal DetectPhases(const std::vector<TimelineEvent>& events,
                           const DetectorOptions& options) {
  PhaseProposal proposal;
  proposal.event_count = events.size();
  if (events.empty()) return proposal;
  proposal.duration = events.back().time - events.front().time;

  SyscallSet seen;
  for (const TimelineEvent& e : events) {
    if (!seen.Contains(e.number)) {
      seen.Insert(e.number);
      proposal.discovery.push_back({e.time, e.number, seen.Size()});
    }
  }

  // Candidates: the first event after every quiet stretch.
  double threshold = std::max(options.min_quiet_seconds, options.min_quiet_ratio * MedianGap(events));
  std::vector<size_t> candidates;
  for (size_t i = 1; i < events.size(); ++i) {
    // The time an execve takes is the kernel loading a program, not the program waiting.
    if (events[i - 1].number == SYS_execve || events[i - 1].number == SYS_execveat) continue;
    if (events[i].time - events[i - 1].time >= threshold) candidates.push_back(i);
  }

  // Novelty of each candidate: syscalls first seen between it and the next candidate.
  struct Scored {
    size_t index;
    SyscallSet fresh;
  };
  std::vector<Scored> scored;
  SyscallSet before;
  size_t cursor = 0;
  for (size_t c = 0; c < candidates.size(); ++c) {
    for (; cursor < candidates[c]; ++cursor) before.Insert(events[cursor].number);
    size_t end = c + 1 < candidates.size() ? candidates[c + 1] : events.size();
    SyscallSet fresh;
    for (size_t i = candidates[c]; i < end; ++i) {
      if (!before.Contains(events[i].number)) fresh.Insert(events[i].number);
    }
    if (fresh.Size() >= options.min_new_syscalls) scored.push_back({candidates[c], fresh});
  }
  std::stable_sort(scored.begin(), scored.end(), [](const Scored& a, const Scored& b) {
    return a.fresh.Size() > b.fresh.Size();
  });
  if (scored.size() > static_cast<size_t>(std::max(0, options.max_phases - 1))) {
    scored.resize(static_cast<size_t>(std::max(0, options.max_phases - 1)));
  }
  std::sort(scored.begin(), scored.end(),
            [](const Scored& a, const Scored& b) { return a.index < b.index; });

  // Recompute novelty between the kept boundaries, and the per-phase sets.
  std::vector<size_t> starts = {0};
  for (const Scored& s : scored) starts.push_back(s.index);
  starts.push_back(events.size());
  SyscallSet seen_before;
  for (size_t p = 0; p + 1 < starts.size(); ++p) {
    SyscallSet phase_set;
    for (size_t i = starts[p]; i < starts[p + 1]; ++i) phase_set.Insert(events[i].number);
    proposal.phase_sets.push_back(phase_set);
    if (p > 0) {
      size_t at = starts[p];
      ProposedBoundary b;
      b.event_index = at;
      b.time = events[at].time;
      b.quiet_seconds = events[at].time - events[at - 1].time;
      b.waiting_call = events[at - 1].number;
      b.waiting_pid = events[at - 1].pid;
      b.new_syscalls = phase_set - seen_before;
      b.suggested_name = fmt::format("phase{}", p + 1);
      b.suggested_spec =
          b.suggested_name + "=" + SuggestTrigger(events, at, starts[p + 1], seen_before);
      std::string fresh_names;
      for (const std::string& name : b.new_syscalls.Names()) {
        fresh_names += (fresh_names.empty() ? "" : ", ") + name;
      }
      b.evidence = fmt::format(
          "at {:.6f} s, after {:.3f} s quiet in {} (pid {}), {} syscalls never seen before: {}",
          b.time, b.quiet_seconds, SyscallDisplayName(b.waiting_call), b.waiting_pid,
          b.new_syscalls.Size(), fresh_names);
      proposal.boundaries.push_back(std::move(b));
    }
    seen_before |= phase_set;
  }
  return proposal;
}

std::string FormatProposal(const PhaseProposal& proposal) {
  std::string out = fmt::format("{} calls over {:.3f} s, {} distinct syscalls\n\n",
                                proposal.event_count, proposal.duration,
                                proposal.discovery.size());
  if (proposal.boundaries.empty()) {
    out += "No phase boundary found: no quiet stretch is followed by new syscalls.\n";
  }
  for (size_t i = 0; i < proposal.boundaries.size(); ++i) {
    const ProposedBoundary& b = proposal.boundaries[i];
    out += fmt::format("boundary {}: {}\n  suggested: --phase {}\n", i + 1, b.evidence,
                       b.suggested_spec);
  }
  out += "\nphase sizes:";
  for (size_t p = 0; p < proposal.phase_sets.size(); ++p) {
    out += fmt::format(" {}={}", p == 0 ? std::string("init") : fmt::format("phase{}", p + 1),
                       proposal.phase_sets[p].Size());
  }
  out += "\n\ndistinct syscalls discovered over time:\n";
  // A text timeline: one row per tenth of the discovery curve.
  size_t step = std::max<size_t>(1, proposal.discovery.size() / 10);
  for (size_t i = 0; i < proposal.discovery.size(); i += step) {
    const DiscoveryPoint& d = proposal.discovery[i];
    out += fmt::format("  {:10.6f} s {:4} {:<40} {}\n", d.time, d.distinct_so_far,
                       std::string(static_cast<size_t>(d.distinct_so_far) * 40 /
                                       std::max<size_t>(1, proposal.discovery.size()),
                                   '#'),
                       SyscallDisplayName(d.number));
  }
  if (!proposal.boundaries.empty()) {
    out += "\nto trace with these phases:\n  sysfence trace";
    for (const ProposedBoundary& b : proposal.boundaries) out += " --phase " + b.suggested_spec;
    out += " -- CMD...\n";
  }
  return out;
}

}  // namespace sysfence
