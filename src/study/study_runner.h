// Runs a study directory end to end (`sysfence study DIR`, docs/STUDY.md): makes its inputs,
// starts its services under the tracer, traces every run with `sysfence trace`, stops the
// services, analyses each program with `sysfence static`, and gathers the sets, phases and
// timelines into a StudyResult. The pieces run as child processes of the sysfence binary
// itself, the way a user would run them, so the study exercises the real tool. Nothing here
// knows a particular program: study/diff and study/ssh are two directories like any other.
//
//   StudyOptions options{...};
//   options.study_dir = FindStudyDirectory("ssh", DefaultWorkloadsDir()).value();
//   Result<StudyResult> result = RunStudy(options);
#ifndef SYSFENCE_STUDY_STUDY_RUNNER_H_
#define SYSFENCE_STUDY_STUDY_RUNNER_H_

#include <functional>
#include <string>
#include <vector>

#include "base/result.h"
#include "study/study_result.h"

namespace sysfence {

struct StudyOptions {
  std::string study_dir;        // a directory with a study.txt
  std::string sysfence_binary;  // the executable to run for trace and static
  std::string work_dir;         // scratch space; "" = a new directory under $TMPDIR
  bool keep_work_dir = false;
  // Asked while the study waits for its child processes: a signal number (the caller caught
  // SIGINT, say) kills the running child and ends the study with an error. May be empty.
  std::function<int()> interrupted;
  // Called with one line per step, for progress on the terminal.
  std::function<void(const std::string&)> progress;
};

Result<StudyResult> RunStudy(const StudyOptions& options);

// Where the checked-in studies are: $SYSFENCE_STUDY_DIR, else the source tree's study/.
std::string DefaultWorkloadsDir();

// A study named on the command line: a directory (it holds a slash, or exists), else the
// checked-in study of that name under `workloads_dir`.
Result<std::string> FindStudyDirectory(const std::string& name, const std::string& workloads_dir);

// The checked-in studies: the directories of `workloads_dir` with a study.txt, sorted.
std::vector<std::string> CheckedInStudies(const std::string& workloads_dir);

}  // namespace sysfence

#endif  // SYSFENCE_STUDY_STUDY_RUNNER_H_
