// What a study sets up around its runs, shared by `sysfence study` (study_runner.h) and
// `sysfence explore` (explore.h): the checks (root, required programs, each program's binary),
// the placeholders ({work}, {in}, {sysfence}, {study}, ports, what the setup script prints),
// the inputs and setup scripts, the runs and phase files, and the services and helpers started
// before the runs and stopped after them. Runs are traced by `sysfence trace` children.
//
//   StudySession session(spec, work_dir, {.sysfence_binary = self});
//   if (Status s = session.Prepare(); !s.ok()) return s.error();
//   if (Status s = session.StartServices(); !s.ok()) return s.error();
//   for (const Workload& run : session.runs(0)) ...   // placeholders filled in
//   Result<std::vector<StoppedService>> stopped = session.StopServices();
#ifndef SYSFENCE_STUDY_STUDY_SESSION_H_
#define SYSFENCE_STUDY_STUDY_SESSION_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/subprocess.h"
#include "profile/profile.h"
#include "study/study_spec.h"
#include "study/workload.h"

namespace sysfence {

// A scratch directory removed at the end unless the user asked to keep it: a new one under
// $TMPDIR named PREFIX-XXXXXX when none is requested, kept when one is.
class WorkDir {
 public:
  static Result<WorkDir> Create(const std::string& requested, bool keep,
                                const std::string& prefix = "sysfence-study");
  WorkDir(WorkDir&& other) noexcept;
  WorkDir(const WorkDir&) = delete;
  WorkDir& operator=(const WorkDir&) = delete;
  WorkDir& operator=(WorkDir&&) = delete;
  ~WorkDir();
  const std::string& path() const { return path_; }

 private:
  WorkDir(std::string path, bool keep) : path_(std::move(path)), keep_(keep) {}
  std::string path_;
  bool keep_;
};

struct SessionOptions {
  std::string sysfence_binary;  // the executable to run for trace
  // Asked while the session waits for its children: a signal number kills the running child
  // and ends the step with an error. May be empty.
  std::function<int()> interrupted;
  // Called with one line per step, for progress on the terminal. May be empty.
  std::function<void(const std::string&)> progress;
};

// A service or helper after it stopped: a service's traced profile, none for a helper.
struct StoppedService {
  const ServiceSpec* spec = nullptr;
  Workload workload;
  std::string profile_path;  // the profile its trace wrote ("" for a helper)
  std::optional<Profile> profile;
};

class StudySession {
 public:
  // `work` is the study's {work}; it must exist.
  StudySession(const StudySpec& spec, std::string work, SessionOptions options);
  ~StudySession();
  StudySession(const StudySession&) = delete;
  StudySession& operator=(const StudySession&) = delete;

  // The checks, the placeholders, the inputs and setup scripts, then the runs and phase files.
  Status Prepare();
  // Starts the services and helpers in file order, each waited for until it is ready.
  Status StartServices();
  // Stops them in reverse order; returns them in file order.
  Result<std::vector<StoppedService>> StopServices();

  const StudySpec& spec() const { return spec_; }
  const std::string& work() const { return work_; }
  const std::map<std::string, std::string>& placeholders() const { return values_; }
  // The program's real path: the image whose traced calls count.
  const std::string& binary(size_t program) const { return binaries_[program]; }
  // The program's runs, placeholders filled in (none without a runs file).
  const std::vector<Workload>& runs(size_t program) const { return runs_[program]; }
  // Its phases file as `sysfence trace` options.
  const std::vector<std::string>& phase_arguments(size_t program) const {
    return phase_arguments_[program];
  }
  size_t ProgramIndex(const std::string& name) const;
  // Whether the run starts the program itself (its command is the program's binary).
  bool StartsProgram(const Workload& run, size_t program) const;

  // `sysfence trace [extra...] -o OUT -- ARGV` for a run: standard input from the run's,
  // standard output and error to OUT.stdout and OUT.stderr. The caller may change the options
  // before starting it.
  SubprocessOptions TraceOptions(const Workload& run, const std::string& out,
                                 const std::vector<std::string>& extra) const;
  // Starts such a trace, waits for it (up to `timeout_seconds`) and reads the profile it wrote.
  Result<Profile> Trace(const Workload& run, const std::string& out,
                        const std::vector<std::string>& extra, double timeout_seconds) const;
  // Runs a command to completion with the placeholders in its environment.
  Result<int> RunQuietly(const std::vector<std::string>& argv, const std::string& out,
                         const std::string& err) const;

 private:
  struct RunningService;

  void Progress(const std::string& line) const;
  Result<int> Wait(Subprocess& child, double timeout_seconds) const;
  Error Fail(const Error& error) const;
  Status CheckRequirements();
  Status MakePlaceholders();
  std::vector<std::string> Environment() const;
  Status RunScript(const std::string& script, const std::string& argument,
                   const std::string& out = "/dev/null") const;
  Status RunSetup();
  Status LoadRuns();
  Result<Workload> ServiceWorkload(const ServiceSpec& service) const;
  Status StartService(const ServiceSpec& service);
  Result<std::optional<Profile>> StopService(RunningService& running);

  const StudySpec& spec_;
  std::string work_;
  SessionOptions options_;
  std::map<std::string, std::string> values_;
  std::vector<std::string> binaries_;  // real paths, one per program
  std::vector<std::vector<Workload>> runs_;
  std::vector<std::vector<std::string>> phase_arguments_;
  std::vector<RunningService> running_;
};

// The real path of a file (symlinks resolved), or the path itself when it has none.
std::string RealPath(const std::string& path);

}  // namespace sysfence

#endif  // SYSFENCE_STUDY_STUDY_SESSION_H_
