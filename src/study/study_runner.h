// Runs a study end to end (`sysfence study diff|ssh`): makes the inputs, traces every workload
// with `sysfence trace`, analyses the binaries with `sysfence static`, and gathers the sets,
// phases and timelines into a StudyResult. The pieces run as child processes of the sysfence
// binary itself, the way a user would run them, so the study exercises the real tool.
//
//   StudyOptions options{...};
//   Result<StudyResult> result = RunStudy(options);
#ifndef SYSFENCE_STUDY_STUDY_RUNNER_H_
#define SYSFENCE_STUDY_STUDY_RUNNER_H_

#include <functional>
#include <string>

#include "base/result.h"
#include "study/study_result.h"

namespace sysfence {

struct StudyOptions {
  std::string study;            // "diff" or "ssh"
  std::string workloads_dir;    // the study/ directory of the source tree
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

// Where the study/ directory is: $SYSFENCE_STUDY_DIR, else the source tree sysfence was built
// from.
std::string DefaultWorkloadsDir();

}  // namespace sysfence

#endif  // SYSFENCE_STUDY_STUDY_RUNNER_H_
