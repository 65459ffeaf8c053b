// `sysfence explore`: starting from a study's hand-written runs of one program, looks for runs
// that reach syscalls and syscall sites (a file and the offset of a `syscall` instruction in
// it) the hand-written ones never reach. Candidates come from the program's own options (read
// from its --help) combined with the runs' operands, from mutated input files, and from the
// environment (locale, time zone, COLUMNS, standard output a pipe or a terminal). Each one is
// traced with `sysfence trace` under a time limit, with its working directory, HOME and TMPDIR
// in a scratch directory; it is kept when it adds a syscall or a site.
//
//   ExploreOptions options{.study_dir = "study/diff", .program = "diff",
//                          .sysfence_binary = self, .budget_seconds = 300};
//   Result<ExploreResult> result = Explore(options);
//   WriteExploreOutput(*result, "explore-results/diff");   // runs.txt, explore.json, ...
#ifndef SYSFENCE_STUDY_EXPLORE_H_
#define SYSFENCE_STUDY_EXPLORE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/result.h"

namespace sysfence {

struct ExploreOptions {
  std::string study_dir;
  std::string program;  // "" when the study has one program
  std::string sysfence_binary;
  double budget_seconds = 300;  // for the candidates; the hand-written runs come first
  double timeout_seconds = 5;   // per run
  uint64_t seed = 1;
  std::string work_dir;  // scratch, kept when given; "" = a new one under $TMPDIR, removed
  // Asked between runs and while one runs: a signal number stops the exploration (what was
  // found so far is the result). May be empty.
  std::function<int()> interrupted;
  // One line per step and a line every few seconds while exploring. May be empty.
  std::function<void(const std::string&)> progress;
};

// A run the exploration kept, in the runs-file form a study can adopt.
struct KeptRun {
  std::string name;
  std::string line;  // "NAME | COMMAND" with the study's placeholders
  std::string what;  // how it differs from the hand-written run it came from
  std::string from;  // that run's name
  int exit_status = 0;
  std::vector<std::string> new_syscalls;
  int new_sites = 0;
  double time = 0;  // seconds since the exploration started
};

// A point of the discovery curve, taken after each hand-written run and each kept run.
struct CurvePoint {
  double time = 0;
  int candidates = 0;  // runs traced so far, hand-written ones included
  int syscalls = 0;
  int sites = 0;
  bool hand_written = false;
};

struct NewSyscall {
  std::string syscall;
  std::string run;  // the kept run's name
};

struct ExploreResult {
  std::string study;
  std::string program;
  std::string binary;
  uint64_t seed = 0;
  double budget_seconds = 0;
  double timeout_seconds = 0;
  int hand_written_runs = 0;
  std::vector<std::string> baseline_syscalls;
  int baseline_sites = 0;
  std::vector<std::string> final_syscalls;
  int final_sites = 0;
  int options_found = 0;  // in the program's --help
  int candidates_planned = 0;
  int candidates_tried = 0;
  int timed_out = 0;
  int failed = 0;                     // the trace itself failed
  std::vector<std::string> failures;  // the first few failed ones, with their messages
  bool interrupted = false;
  double seconds = 0;  // exploring, after the hand-written runs
  std::vector<KeptRun> kept;
  std::vector<NewSyscall> new_syscalls;
  std::vector<CurvePoint> curve;
  // The shell lines that make the mutated inputs the kept runs use, for inputs.sh.
  std::vector<std::string> input_recipes;
};

Result<ExploreResult> Explore(const ExploreOptions& options);

// Writes runs.txt, inputs.sh, explore.json and curve.svg into `dir` (made if missing).
Status WriteExploreOutput(const ExploreResult& result, const std::string& dir);

// inputs.sh: a shell script that runs each recipe (making $1/explore/NAME from the inputs in $1).
std::string InputsScript(const std::vector<std::string>& recipes);

// The summary printed at the end: counts before and after, each new syscall with its run.
std::string ExploreSummaryText(const ExploreResult& result);

}  // namespace sysfence

#endif  // SYSFENCE_STUDY_EXPLORE_H_
