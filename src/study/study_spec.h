// A study directory's description (docs/STUDY.md): the study.txt file that says which programs
// a study analyses, how their runs and services are made, which phases they go through, and
// which published figures to show beside ours. Parsing only: study_runner.h carries it out.
//
//   Result<StudySpec> spec = LoadStudySpec("study/ssh");
//   for (const ProgramSpec& program : spec->programs) ...
#ifndef SYSFENCE_STUDY_STUDY_SPEC_H_
#define SYSFENCE_STUDY_STUDY_SPEC_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace sysfence {

// How to know a started service or helper is ready: a TCP connect to a loopback port that
// succeeds, a connect to a Unix socket that succeeds, or a file that appears.
struct ReadyCheck {
  enum class Kind { kNone, kTcp, kUnix, kFile };
  Kind kind = Kind::kNone;
  std::string target;  // a port (placeholders allowed) or a path
};

// A process started before the runs and stopped after them. A service is traced as its
// program's process; a helper (a backend, say) runs untraced.
struct ServiceSpec {
  std::string program;  // the program it is a process of; "" for a helper
  std::string command;  // placeholders not yet filled in
  ReadyCheck ready;
  int stop_signal = 15;      // sent to the service's own process (SIGTERM unless told)
  std::string stop_command;  // run instead of a signal when set
  int line = 0;              // in study.txt, for messages
};

// A program whose sets the report shows.
struct ProgramSpec {
  std::string name;    // "ssh client"
  std::string binary;  // what `program` named: a path or a command found in PATH
  std::string runs_file;
  bool runs_must_succeed = false;  // a run with a non-zero exit status fails the study
  std::string phases_file;
};

// A row of the report that unites programs' sets ("SSH combined").
struct CombinedSpec {
  std::string name;
  std::vector<std::string> programs;
};

// A published figure shown beside ours: a program's dynamic or static count, or the share of
// its set one phase needs.
struct PosterSpec {
  std::string program;
  std::string measure;  // "dynamic", "static" or "phase:NAME"
  double value = 0;
  std::string label;  // the publication's words ("SSH, dynamic")
};

struct StudySpec {
  std::string name;  // the directory's name
  std::string dir;   // the directory
  std::string title;
  bool requires_root = false;
  std::vector<std::string> required_programs;
  std::vector<std::string> packages;  // named when a required program is missing
  std::vector<std::string> ports;
  std::string inputs_script;
  std::string setup_script;
  std::vector<ProgramSpec> programs;
  std::vector<ServiceSpec> services;
  std::vector<CombinedSpec> combined;
  std::vector<PosterSpec> poster;
  // `judged PROGRAM WORDS`: what the publication judged by hand of the calls only static
  // analysis found for PROGRAM, shown beside sysfence's classes of them.
  std::map<std::string, std::string> judged;

  const ProgramSpec* FindProgram(std::string_view name) const;
};

// Parses study.txt's text; `source` names it in messages ("study/ssh/study.txt:12: ...").
Result<StudySpec> ParseStudySpec(std::string_view text, const std::string& source);

// Reads DIR/study.txt and checks that the files it names are in DIR.
Result<StudySpec> LoadStudySpec(const std::string& dir);

// Phase triggers in a phases file as `sysfence trace` options: "first NAME" gives
// --first-phase NAME, "NAME=TRIGGER" gives --phase NAME=TRIGGER.
Result<std::vector<std::string>> ParsePhaseTriggers(std::string_view text,
                                                    const std::string& source);

}  // namespace sysfence

#endif  // SYSFENCE_STUDY_STUDY_SPEC_H_
