// The data of one study (`sysfence study DIR`, docs/STUDY.md): what was run, the dynamic and static
// sets per program, phases, discovery timelines, and the poster's published figures to set beside
// ours. study_report.h renders it; study_runner.h produces it.
#ifndef SYSFENCE_STUDY_STUDY_RESULT_H_
#define SYSFENCE_STUDY_STUDY_RESULT_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "profile/profile.h"
#include "profile/static_only.h"

namespace sysfence {

// One traced workload.
struct StudyRun {
  std::string program;  // which program of the study it exercises ("diff", "ssh client")
  std::string name;     // what it does ("unified output of two files")
  std::string command;  // the command line, for the record
  int exit_status = 0;
  int distinct_syscalls = 0;  // in the program's own image
  int new_syscalls = 0;       // not seen in any earlier run of the same program
  bool ran_program = true;    // false: a step that never started the program (a reload, say)
};

// The sets of one program by method, as in the poster's Figures 1 and 3.
struct ProgramSets {
  std::string name;    // "diff", "ssh client", "sshd", "SSH combined"
  std::string binary;  // "/usr/bin/diff"
  SyscallSet dynamic;  // traced, the program's own image, merged over runs
  int runs = 0;
  std::map<int, int> seen_in_runs;  // per syscall
  std::optional<SyscallSet> static_set;
  int unresolved_sites = 0;
  std::vector<Phase> phases;  // dynamic phases of this program, in order
  // Argument values (profile/argument_values.h) of the program's own image: traced, merged
  // over runs; and the static profile's (absent: every value).
  ArgumentValues dynamic_args;
  ArgumentValues static_args;
  // Why each static-only call is missing from the traces (`compare --explain` on the merged
  // runs, with their syscall sites), and the publication's hand judgement of the same calls.
  std::optional<StaticOnlyReport> static_only;
  std::string judged;
};

// One argument of the argument table a program's traced calls constrain: what the traces saw
// and what the static profile allows ("any" when it does not constrain it). After those, the
// arguments only the static profile constrains (calls or arguments the traces never passed),
// with no dynamic values.
struct ArgumentFacts {
  std::string syscall;
  std::string argument;
  std::vector<std::string> dynamic;                       // value names (none: not traced)
  std::optional<std::vector<std::string>> static_values;  // nullopt: any (or no static set)
  std::vector<std::string> static_misses;  // traced values the static profile does not allow
};
std::vector<ArgumentFacts> ArgumentFactsOf(const ProgramSets& program);

// The distinct-syscall discovery curve of one trace.
struct DiscoverySeries {
  std::string name;
  std::vector<std::pair<double, int>> points;  // (seconds since start, distinct so far)
};

// A figure the poster published, kept apart from ours and labelled as the poster's.
struct PosterFigure {
  std::string what;     // the publication's words: "SSH, dynamic"
  double value;         // count or percent
  std::string unit;     // "syscalls" or "% of the application"
  std::string program;  // the study's program it compares to: "SSH combined"
  std::string measure;  // "dynamic", "static" or "phase:NAME"
};

struct StudyResult;
// The published figure of `measure` ("dynamic", "static", "phase:NAME") for a program, if the
// study gives one.
const PosterFigure* FindPosterFigure(const StudyResult& result, std::string_view program,
                                     std::string_view measure);

struct StudyResult {
  std::string study;    // the study directory's name: "diff", "ssh"
  std::string title;    // its title line
  std::string machine;  // kernel and distribution, for the record
  std::vector<StudyRun> runs;
  std::vector<ProgramSets> programs;
  std::vector<DiscoverySeries> discovery;
  std::vector<PosterFigure> poster;
  // Syscalls the traces saw that the static set lacks, per program ("sshd: rseq"). The study
  // fails when this is not empty: the static analysis is meant to be sound.
  std::vector<std::string> soundness_failures;
  // Per program run as a service: the profile `sysfence trace` wrote for it (JSON text), with
  // its phases, as `sysfence run --profile ... --phased` takes it.
  std::map<std::string, std::string> service_profiles;
};

}  // namespace sysfence

#endif  // SYSFENCE_STUDY_STUDY_RESULT_H_
