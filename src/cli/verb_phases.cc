// `sysfence phases EVENTS`: proposes phase boundaries from a trace's timeline
// (`sysfence trace --events FILE`), with evidence, and the --phase triggers to reproduce them.
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "base/file_util.h"
#include "cli/cli.h"
#include "phases/phase_detector.h"
#include "phases/timeline_file.h"

namespace sysfence::cli {
namespace {

struct PhasesOptions {
  std::string input;
  std::string format = "text";
  std::string output;
  DetectorOptions detector;
};

std::string ProposalJson(const PhaseProposal& proposal) {
  nlohmann::json boundaries = nlohmann::json::array();
  for (const ProposedBoundary& b : proposal.boundaries) {
    boundaries.push_back({{"time", b.time},
                          {"quiet_seconds", b.quiet_seconds},
                          {"waiting_call", SyscallDisplayName(b.waiting_call)},
                          {"waiting_pid", b.waiting_pid},
                          {"new_syscalls", b.new_syscalls.Names()},
                          {"suggested", b.suggested_spec},
                          {"evidence", b.evidence}});
  }
  nlohmann::json discovery = nlohmann::json::array();
  for (const DiscoveryPoint& d : proposal.discovery) {
    discovery.push_back({{"t", d.time}, {"syscall", SyscallDisplayName(d.number)},
                         {"distinct", d.distinct_so_far}});
  }
  nlohmann::json phases = nlohmann::json::array();
  for (const SyscallSet& set : proposal.phase_sets) phases.push_back(set.Names());
  return nlohmann::json{{"events", proposal.event_count},
                        {"duration", proposal.duration},
                        {"boundaries", boundaries},
                        {"phase_syscalls", phases},
                        {"discovery", discovery}}
             .dump(2) +
         "\n";
}

int RunPhases(const PhasesOptions& options) {
  Result<std::vector<TimelineEvent>> events = ReadTimelineFile(options.input);
  if (!events.ok()) return ReportError(events.error());
  PhaseProposal proposal = DetectPhases(*events, options.detector);
  std::string text;
  if (options.format == "json") {
    text = ProposalJson(proposal);
  } else {
    text = FormatProposal(proposal);
  }
  Status written = WriteFileAtomically(options.output, text);
  if (!written.ok()) return ReportError(written.error());
  return 0;
}

}  // namespace

void RegisterPhasesVerb(CLI::App& app, VerbAction& action) {
  auto options = std::make_shared<PhasesOptions>();
  CLI::App* verb = app.add_subcommand(
      "phases", "Propose execution phases from a trace's timeline (trace --events FILE).");
  verb->add_option("EVENTS", options->input, "Events file written by 'sysfence trace --events'")
      ->required();
  verb->add_option("--format", options->format, "text or json")
      ->check(CLI::IsMember({"text", "json"}));
  verb->add_option("-o,--output", options->output, "Write here (default: stdout)");
  verb->add_option("--max-phases", options->detector.max_phases, "At most this many phases")
      ->check(CLI::Range(1, 64));
  verb->add_option("--min-quiet", options->detector.min_quiet_seconds,
                   "Shortest wait (seconds) that can end a phase")
      ->check(CLI::Range(0.0, 3600.0));
  verb->add_option("--min-new", options->detector.min_new_syscalls,
                   "Syscalls never seen before that a new phase must bring")
      ->check(CLI::Range(1, 400));
  verb->callback([options, &action] { action = [options] { return RunPhases(*options); }; });
}

}  // namespace sysfence::cli
