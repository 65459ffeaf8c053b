// The study runner (see study_runner.h). diff: trace every run of study/diff/runs.txt, merge,
// analyse /usr/bin/diff statically. ssh: start sshd on loopback with its own keys under the
// tracer, trace every client session of study/ssh/sessions.txt, stop sshd, analyse ssh and
// sshd statically. Phase triggers come from study/ssh/phases.txt.
#include "study/study_runner.h"

#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>

#include "base/file_util.h"
#include "base/subprocess.h"
#include "profile/profile_json.h"
#include "profile/soundness.h"
#include "study/ssh_loopback.h"
#include "study/workload.h"

namespace sysfence {
namespace {

namespace fs = std::filesystem;

constexpr double kRunTimeoutSeconds = 120;
constexpr double kStaticTimeoutSeconds = 300;

// A scratch directory removed at the end unless the user asked to keep it.
class WorkDir {
 public:
  static Result<WorkDir> Create(const std::string& requested, bool keep) {
    std::string path = requested;
    if (path.empty()) {
      std::string pattern = (fs::temp_directory_path() / "sysfence-study-XXXXXX").string();
      if (mkdtemp(pattern.data()) == nullptr) {
        return MakeError("cannot create a scratch directory: {}", strerror(errno));
      }
      path = pattern;
    } else {
      std::error_code error;
      fs::create_directories(path, error);
      if (error) return MakeError("{}: {}", path, error.message());
    }
    return WorkDir(path, keep || !requested.empty());
  }
  WorkDir(WorkDir&& other) noexcept : path_(std::move(other.path_)), keep_(other.keep_) {
    other.path_.clear();
  }
  WorkDir(const WorkDir&) = delete;
  WorkDir& operator=(const WorkDir&) = delete;
  WorkDir& operator=(WorkDir&&) = delete;
  ~WorkDir() {
    if (!keep_ && !path_.empty()) {
      std::error_code ignored;
      fs::remove_all(path_, ignored);
    }
  }
  const std::string& path() const { return path_; }

 private:
  WorkDir(std::string path, bool keep) : path_(std::move(path)), keep_(keep) {}
  std::string path_;
  bool keep_;
};

std::string MachineDescription() {
  utsname u{};
  uname(&u);
  std::string distribution = "unknown distribution";
  if (auto text = ReadFile("/etc/os-release"); text.ok()) {
    size_t at = text->find("PRETTY_NAME=\"");
    if (at != std::string::npos) {
      size_t start = at + 13;
      distribution = text->substr(start, text->find('"', start) - start);
    }
  }
  return fmt::format("{}, Linux {} ({}), {} cores", distribution, u.release, u.machine,
                     std::thread::hardware_concurrency());
}

std::string RealPath(const std::string& path) {
  std::error_code error;
  fs::path real = fs::canonical(path, error);
  return error ? path : real.string();
}

class Study {
 public:
  Study(const StudyOptions& options, std::string work)
      : options_(options), work_(std::move(work)) {}

  void Progress(const std::string& line) const {
    if (options_.progress) options_.progress(line);
  }

  // Waits for a child of the study, which the caller may interrupt.
  Result<int> Wait(Subprocess& child, double timeout_seconds) const {
    return child.Wait(timeout_seconds, options_.interrupted);
  }

  // Runs a setup script of the study directory.
  Status RunScript(const std::string& script, const std::string& argument) const {
    SubprocessOptions run;
    run.argv = {"/bin/sh", options_.workloads_dir + "/" + script, argument};
    run.stderr_path = work_ + "/setup.err";
    Result<Subprocess> child = Subprocess::Start(run);
    if (!child.ok()) return child.error();
    Result<int> status = Wait(*child, kRunTimeoutSeconds);
    if (!status.ok()) return status.error();
    if (*status != 0) {
      return MakeError("{}/{} failed (exit {}): {}", options_.workloads_dir, script, *status,
                       ReadFile(work_ + "/setup.err").value_or(""));
    }
    return Ok{};
  }

  Result<std::vector<Workload>> LoadWorkloads(const std::string& file,
                                              const std::map<std::string, std::string>& values) {
    std::string path = options_.workloads_dir + "/" + file;
    Result<std::string> text = ReadFile(path);
    if (!text.ok()) return text.error();
    return ParseWorkloads(*text, path, values);
  }

  // `sysfence trace [extra...] -o OUT -- argv` as a child; the profile it wrote.
  Result<Subprocess> StartTrace(const Workload& workload, const std::string& out,
                                const std::vector<std::string>& extra) const {
    SubprocessOptions run;
    run.argv = {options_.sysfence_binary, "trace", "-o", out};
    run.argv.insert(run.argv.end(), extra.begin(), extra.end());
    run.argv.push_back("--");
    run.argv.insert(run.argv.end(), workload.argv.begin(), workload.argv.end());
    run.stdin_path = workload.stdin_path;
    run.stdout_path = out + ".stdout";
    run.stderr_path = out + ".stderr";
    return Subprocess::Start(run);
  }

  Result<Profile> FinishTrace(Subprocess& child, const std::string& out,
                              const Workload& workload) const {
    Result<int> status = Wait(child, kRunTimeoutSeconds);
    if (!status.ok()) return status.error().WithContext(workload.name);
    Result<Profile> profile = ReadProfileFile(out);
    if (!profile.ok()) {
      return MakeError("tracing '{}' failed (exit {}): {}", workload.command, *status,
                       ReadFile(out + ".stderr").value_or("no message"));
    }
    return profile;
  }

  Result<Profile> Trace(const Workload& workload, const std::string& out,
                        const std::vector<std::string>& extra = {}) const {
    Result<Subprocess> child = StartTrace(workload, out, extra);
    if (!child.ok()) return child.error();
    return FinishTrace(*child, out, workload);
  }

  Result<Profile> AnalyseStatically(const std::string& binary) const {
    std::string out = work_ + "/static-" + fs::path(binary).filename().string() + ".json";
    Progress(fmt::format("static analysis of {}", binary));
    SubprocessOptions run;
    run.argv = {options_.sysfence_binary, "static", "-o", out, binary};
    run.stderr_path = out + ".stderr";
    Result<Subprocess> child = Subprocess::Start(run);
    if (!child.ok()) return child.error();
    Result<int> status = Wait(*child, kStaticTimeoutSeconds);
    if (!status.ok()) return status.error();
    if (*status != 0) {
      return MakeError("static analysis of {} failed (exit {}): {}", binary, *status,
                       ReadFile(out + ".stderr").value_or(""));
    }
    return ReadProfileFile(out);
  }

  // Adds one traced run of `program` to `sets` and `result`.
  void RecordRun(StudyResult& result, ProgramSets& sets, const Workload& workload,
                 const Profile& profile, const std::string& image) const {
    SyscallSet own;
    if (auto it = profile.images.find(image); it != profile.images.end()) own = it->second;
    ArgumentValues own_args;
    if (auto it = profile.image_args.find(image); it != profile.image_args.end()) {
      own_args = it->second;
    }
    sets.dynamic_args = UnionArguments(sets.dynamic_args, sets.dynamic, own_args, own);
    StudyRun run{.program = sets.name,
                 .name = workload.name,
                 .command = workload.command,
                 .exit_status = profile.exit_status,
                 .distinct_syscalls = own.Size(),
                 .new_syscalls = (own - sets.dynamic).Size()};
    sets.dynamic |= own;
    ++sets.runs;
    for (int number : own) ++sets.seen_in_runs[number];
    // The program's phases are its own image's: what the shells and commands a session runs
    // call in the traced tree is not the program's.
    for (const Phase& traced : profile.phases) {
      Phase phase{.name = traced.name, .syscalls = {}, .trigger = traced.trigger};
      if (auto it = traced.images.find(image); it != traced.images.end())
        phase.syscalls = it->second;
      auto it = std::find_if(sets.phases.begin(), sets.phases.end(),
                             [&](const Phase& p) { return p.name == phase.name; });
      if (it == sets.phases.end()) {
        sets.phases.push_back(std::move(phase));
      } else {
        it->syscalls |= phase.syscalls;
      }
    }
    DiscoverySeries series{fmt::format("{}: {}", sets.name, workload.name), {}};
    for (const Discovery& d : profile.discovery) {
      series.points.emplace_back(d.time, static_cast<int>(series.points.size()) + 1);
    }
    if (!series.points.empty()) result.discovery.push_back(std::move(series));
    Progress(fmt::format("  {:<24} exit {:>3}  {:>3} syscalls  {:>2} new", workload.name,
                         profile.exit_status, run.distinct_syscalls, run.new_syscalls));
    result.runs.push_back(std::move(run));
  }

  void AddStatic(ProgramSets& sets, const Profile& static_profile, StudyResult& result) const {
    sets.static_set = static_profile.syscalls;
    sets.static_args = static_profile.args;
    sets.unresolved_sites = static_cast<int>(static_profile.unresolved.size());
    // Argument values the traces saw that the static profile does not allow are misses too.
    for (const ArgumentFacts& facts : ArgumentFactsOf(sets)) {
      for (const std::string& value : facts.static_misses) {
        result.soundness_failures.push_back(
            fmt::format("{}: {} {} {} was traced but the static profile does not allow it",
                        sets.name, facts.syscall, facts.argument, value));
      }
    }
    SoundnessReport report =
        CheckSoundness({{sets.binary, sets.dynamic}}, {{sets.binary, static_profile.syscalls}});
    for (const ImageSoundness& image : report.images) {
      for (const std::string& name : image.missed.Names()) {
        result.soundness_failures.push_back(
            fmt::format("{}: {} was traced but is not in the "
                        "static set of {}",
                        sets.name, name, image.image));
      }
    }
  }

  const StudyOptions& options_;
  std::string work_;
};

Result<StudyResult> RunDiffStudy(Study& study) {
  StudyResult result;
  result.study = "diff";
  result.machine = MachineDescription();
  result.poster = PosterFigures("diff");
  std::string inputs = study.work_ + "/in";
  study.Progress("making the diff inputs");
  if (Status s = study.RunScript("diff/inputs.sh", inputs); !s.ok()) return s.error();
  Result<std::vector<Workload>> runs = study.LoadWorkloads("diff/runs.txt", {{"in", inputs}});
  if (!runs.ok()) return runs.error();
  Result<std::string> diff = FindExecutable("diff");
  if (!diff.ok()) return diff.error().WithContext("the diff study needs diff (diffutils)");
  ProgramSets sets;
  sets.name = "diff";
  sets.binary = RealPath(*diff);
  for (size_t i = 0; i < runs->size(); ++i) {
    const Workload& workload = (*runs)[i];
    study.Progress(fmt::format("[{}/{}] tracing diff: {}", i + 1, runs->size(), workload.name));
    Result<Profile> profile =
        study.Trace(workload, fmt::format("{}/run-{:02}.json", study.work_, i + 1));
    if (!profile.ok()) return profile.error();
    study.RecordRun(result, sets, workload, *profile, sets.binary);
  }
  Result<Profile> static_profile = study.AnalyseStatically(sets.binary);
  if (!static_profile.ok()) return static_profile.error();
  study.AddStatic(sets, *static_profile, result);
  result.programs.push_back(std::move(sets));
  return result;
}

std::vector<std::string> PhaseArguments(const std::string& text, const std::string& side) {
  std::vector<std::string> args;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    std::string line =
        text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    start = end == std::string::npos ? text.size() : end + 1;
    if (line.empty() || line[0] == '#') continue;
    size_t space = line.find(' ');
    if (space == std::string::npos || line.substr(0, space) != side) continue;
    std::string rest = line.substr(space + 1);
    if (rest.starts_with("first ")) {
      args.push_back("--first-phase");
      args.push_back(rest.substr(6));
    } else {
      args.push_back("--phase");
      args.push_back(rest);
    }
  }
  return args;
}

Result<StudyResult> RunSshStudy(Study& study) {
  if (geteuid() != 0) {
    return MakeError("the SSH study runs sshd, which needs root for privilege separation");
  }
  StudyResult result;
  result.study = "ssh";
  result.machine = MachineDescription();
  result.poster = PosterFigures("ssh");
  for (const char* tool : {"ssh", "sshd", "ssh-keygen", "scp", "sftp"}) {
    std::string name = tool;
    if (name == "sshd") name = "/usr/sbin/sshd";
    if (Result<std::string> found = FindExecutable(name); !found.ok()) {
      return found.error().WithContext(
          "the SSH study needs OpenSSH client and server (openssh-client, openssh-server)");
    }
  }
  const std::string& work = study.work_;
  std::string inputs = work + "/in";
  study.Progress("making the SSH inputs and keys");
  if (Status s = study.RunScript("ssh/inputs.sh", inputs); !s.ok()) return s.error();
  // A second port, for the session that forwards a port from the server back to the client.
  Result<int> forward_port = SshLoopback::FreePort();
  if (!forward_port.ok()) return forward_port.error();
  Result<std::string> config_template =
      ReadFile(study.options_.workloads_dir + "/ssh/sshd_config.in");
  if (!config_template.ok()) return config_template.error();
  std::string phases_text = ReadFile(study.options_.workloads_dir + "/ssh/phases.txt").value_or("");
  SshLoopbackOptions server_options;
  server_options.sysfence_binary = study.options_.sysfence_binary;
  server_options.work_dir = work;
  server_options.config_template = *config_template;
  server_options.trace_arguments = PhaseArguments(phases_text, "server");
  server_options.interrupted = study.options_.interrupted;
  Result<SshLoopback> server = SshLoopback::Start(server_options);
  if (!server.ok()) return server.error();
  int port = server->port();
  study.Progress(fmt::format("sshd listens on 127.0.0.1:{} under the tracer", port));
  for (int tries = 0; forward_port.ok() && *forward_port == port && tries < 10; ++tries) {
    forward_port = SshLoopback::FreePort();
  }
  if (!forward_port.ok()) return forward_port.error();
  std::map<std::string, std::string> values = {{"work", work},
                                               {"in", inputs},
                                               {"port", std::to_string(port)},
                                               {"forward_port", std::to_string(*forward_port)},
                                               {"dest", "root@127.0.0.1"}};
  values["ssh"] = fmt::format("-p {} {}", port, server->client_options());
  values["scp"] = fmt::format("-P {} {}", port, server->client_options());

  Result<std::vector<Workload>> sessions = study.LoadWorkloads("ssh/sessions.txt", values);
  if (!sessions.ok()) return sessions.error();
  Result<std::string> ssh_binary = FindExecutable("ssh");
  ProgramSets client;
  client.name = "ssh client";
  client.binary = RealPath(*ssh_binary);
  std::vector<std::string> client_phases = PhaseArguments(phases_text, "client");
  for (size_t i = 0; i < sessions->size(); ++i) {
    const Workload& session = (*sessions)[i];
    study.Progress(
        fmt::format("[{}/{}] tracing ssh client: {}", i + 1, sessions->size(), session.name));
    // Phases are those of the ssh client itself; scp and sftp run it as a child.
    Result<Profile> profile =
        study.Trace(session, fmt::format("{}/client-{:02}.json", work, i + 1),
                    session.argv.front() == "ssh" ? client_phases : std::vector<std::string>{});
    if (!profile.ok()) return profile.error();
    if (profile->exit_status != 0) {
      return MakeError(
          "SSH session '{}' failed with exit status {}: {}", session.name, profile->exit_status,
          ReadFile(fmt::format("{}/client-{:02}.json.stderr", work, i + 1)).value_or(""));
    }
    study.RecordRun(result, client, session, *profile, client.binary);
  }

  study.Progress("stopping sshd");
  Result<Profile> server_trace = server->Stop(kRunTimeoutSeconds);
  if (!server_trace.ok()) return server_trace.error();
  Workload server_run{.name = "serving the sessions",
                      .argv = {},
                      .stdin_path = "/dev/null",
                      .command = server->command()};
  ProgramSets sshd;
  sshd.name = "sshd";
  sshd.binary = RealPath("/usr/sbin/sshd");
  study.RecordRun(result, sshd, server_run, *server_trace, sshd.binary);

  ProgramSets combined;
  combined.name = "SSH combined";
  combined.binary = client.binary + " + " + sshd.binary;
  combined.dynamic = client.dynamic | sshd.dynamic;
  combined.runs = client.runs + sshd.runs;
  for (const auto& [n, c] : client.seen_in_runs) combined.seen_in_runs[n] += c;
  for (const auto& [n, c] : sshd.seen_in_runs) combined.seen_in_runs[n] += c;

  Result<Profile> client_static = study.AnalyseStatically(client.binary);
  if (!client_static.ok()) return client_static.error();
  Result<Profile> server_static = study.AnalyseStatically(sshd.binary);
  if (!server_static.ok()) return server_static.error();
  study.AddStatic(client, *client_static, result);
  study.AddStatic(sshd, *server_static, result);
  combined.static_set = client_static->syscalls | server_static->syscalls;
  combined.dynamic_args =
      UnionArguments(client.dynamic_args, client.dynamic, sshd.dynamic_args, sshd.dynamic);
  combined.static_args = UnionArguments(client_static->args, client_static->syscalls,
                                        server_static->args, server_static->syscalls);
  combined.unresolved_sites = client.unresolved_sites + sshd.unresolved_sites;
  result.programs = {client, sshd, combined};
  return result;
}

}  // namespace

std::string DefaultWorkloadsDir() {
  if (const char* dir = getenv("SYSFENCE_STUDY_DIR"); dir != nullptr && dir[0] != '\0') {
    return dir;
  }
  return std::string(SYSFENCE_SOURCE_DIR) + "/study";
}

Result<StudyResult> RunStudy(const StudyOptions& options) {
  if (options.study != "diff" && options.study != "ssh") {
    return MakeError("unknown study '{}' (diff or ssh)", options.study);
  }
  struct stat st {};
  if (stat(options.workloads_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return MakeError("{}: the study's workloads are not there (set SYSFENCE_STUDY_DIR)",
                     options.workloads_dir);
  }
  Result<WorkDir> work = WorkDir::Create(options.work_dir, options.keep_work_dir);
  if (!work.ok()) return work.error();
  // The study's children are killed with their process groups when it is interrupted (or
  // fails); their own children, reparented here, are reaped here rather than left to init.
  ScopedChildSubreaper subreaper;
  Study study(options, work->path());
  Result<StudyResult> result = options.study == "diff" ? RunDiffStudy(study) : RunSshStudy(study);
  KillAndReapChildren();
  return result;
}

}  // namespace sysfence
