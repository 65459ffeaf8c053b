// A study's set-up around its runs (see study_session.h): the checks, the placeholders, the
// inputs and setup scripts, the runs and phase files, and the services and helpers, each waited
// for until ready and stopped the way study.txt says.
#include "study/study_session.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>

#include "base/file_util.h"
#include "base/loopback.h"
#include "profile/profile_json.h"

namespace sysfence {
namespace {

namespace fs = std::filesystem;

constexpr double kRunTimeoutSeconds = 120;
constexpr double kReadyTimeoutSeconds = 30;

Result<bool> IsReady(const ReadyCheck& check, const std::string& target) {
  switch (check.kind) {
    case ReadyCheck::Kind::kTcp: {
      int port = 0;
      auto [end, error] = std::from_chars(target.data(), target.data() + target.size(), port);
      if (error != std::errc() || end != target.data() + target.size() || port <= 0 ||
          port > 65535) {
        return MakeError("'{}' is not a port", target);
      }
      return AcceptsOnLoopback(port);
    }
    case ReadyCheck::Kind::kUnix:
      return AcceptsOnUnixSocket(target);
    case ReadyCheck::Kind::kFile:
      return access(target.c_str(), F_OK) == 0;
    case ReadyCheck::Kind::kNone:
      break;
  }
  return true;
}

}  // namespace

Result<WorkDir> WorkDir::Create(const std::string& requested, bool keep,
                                const std::string& prefix) {
  std::string path = requested;
  if (path.empty()) {
    std::string pattern = (fs::temp_directory_path() / (prefix + "-XXXXXX")).string();
    if (mkdtemp(pattern.data()) == nullptr) {
      return MakeError("cannot create a scratch directory: {}", strerror(errno));
    }
    path = pattern;
  } else {
    std::error_code error;
    fs::create_directories(path, error);
    if (error) return MakeError("{}: {}", path, error.message());
    path = fs::absolute(path, error).string();
  }
  return WorkDir(path, keep || !requested.empty());
}

WorkDir::WorkDir(WorkDir&& other) noexcept : path_(std::move(other.path_)), keep_(other.keep_) {
  other.path_.clear();
}

WorkDir::~WorkDir() {
  if (!keep_ && !path_.empty()) {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
}

std::string RealPath(const std::string& path) {
  std::error_code error;
  fs::path real = fs::canonical(path, error);
  return error ? path : real.string();
}

// A started service (traced) or helper (not).
struct StudySession::RunningService {
  const ServiceSpec* spec = nullptr;
  Workload workload;
  std::string out;  // the service's profile; its helper's log for a helper
  std::optional<Subprocess> process;
};

StudySession::StudySession(const StudySpec& spec, std::string work, SessionOptions options)
    : spec_(spec), work_(std::move(work)), options_(std::move(options)) {}

StudySession::~StudySession() = default;

Status StudySession::Prepare() {
  if (Status s = CheckRequirements(); !s.ok()) return s.error();
  if (Status s = MakePlaceholders(); !s.ok()) return s.error();
  if (!spec_.inputs_script.empty()) {
    Progress("making the inputs");
    if (Status s = RunScript(spec_.inputs_script, values_["in"]); !s.ok()) return s.error();
  }
  if (!spec_.setup_script.empty()) {
    Progress("setting up");
    if (Status s = RunSetup(); !s.ok()) return s.error();
  }
  return LoadRuns();
}

Status StudySession::StartServices() {
  for (const ServiceSpec& service : spec_.services) {
    if (Status s = StartService(service); !s.ok()) return s.error();
  }
  return Ok{};
}

Result<std::vector<StoppedService>> StudySession::StopServices() {
  std::vector<StoppedService> stopped(running_.size());
  for (size_t i = running_.size(); i-- > 0;) {
    Result<std::optional<Profile>> profile = StopService(running_[i]);
    if (!profile.ok()) return profile.error();
    stopped[i] = {.spec = running_[i].spec,
                  .workload = running_[i].workload,
                  .profile_path = running_[i].spec->program.empty() ? "" : running_[i].out,
                  .profile = std::move(*profile)};
  }
  running_.clear();
  return stopped;
}

void StudySession::Progress(const std::string& line) const {
  if (options_.progress) options_.progress(line);
}

Result<int> StudySession::Wait(Subprocess& child, double timeout_seconds) const {
  return child.Wait(timeout_seconds, options_.interrupted);
}

Error StudySession::Fail(const Error& error) const {
  return error.WithContext(spec_.dir + "/study.txt");
}

Status StudySession::CheckRequirements() {
  if (spec_.requires_root && geteuid() != 0) {
    return Fail(Error("this study needs root (it says 'requires root')"));
  }
  std::string packages;
  for (const std::string& p : spec_.packages) packages += (packages.empty() ? "" : ", ") + p;
  auto missing = [&](const std::string& program, const Error& error) {
    return Fail(error.WithContext(
        fmt::format("the study needs {}{}", program,
                    packages.empty() ? "" : fmt::format(" (Debian packages: {})", packages))));
  };
  for (const std::string& program : spec_.required_programs) {
    if (Result<std::string> found = FindExecutable(program); !found.ok()) {
      return missing(program, found.error());
    }
  }
  for (const ProgramSpec& program : spec_.programs) {
    Result<std::string> found = FindExecutable(program.binary);
    if (!found.ok()) return missing(program.binary, found.error());
    binaries_.push_back(RealPath(*found));
  }
  return Ok{};
}

Status StudySession::MakePlaceholders() {
  values_["work"] = work_;
  values_["in"] = work_ + "/in";
  values_["sysfence"] = options_.sysfence_binary;
  std::error_code error;
  values_["study"] = fs::absolute(spec_.dir, error).lexically_normal().string();
  Result<std::vector<int>> ports = FreeLoopbackPorts(spec_.ports.size());
  if (!ports.ok()) return ports.error();
  for (size_t i = 0; i < spec_.ports.size(); ++i) {
    values_[spec_.ports[i]] = std::to_string((*ports)[i]);
  }
  return Ok{};
}

// The placeholders as environment variables of the study's scripts.
std::vector<std::string> StudySession::Environment() const {
  std::vector<std::string> environment;
  for (const auto& [key, value] : values_) environment.push_back(key + "=" + value);
  return environment;
}

Result<int> StudySession::RunQuietly(const std::vector<std::string>& argv, const std::string& out,
                                     const std::string& err) const {
  SubprocessOptions run;
  run.argv = argv;
  run.stdout_path = out;
  run.stderr_path = err;
  run.extra_environment = Environment();
  Result<Subprocess> child = Subprocess::Start(run);
  if (!child.ok()) return child.error();
  return Wait(*child, kRunTimeoutSeconds);
}

Status StudySession::RunScript(const std::string& script, const std::string& argument,
                               const std::string& out) const {
  std::string path = spec_.dir + "/" + script;
  std::string err = work_ + "/script.err";
  Result<int> status = RunQuietly({"/bin/sh", path, argument}, out, err);
  if (!status.ok()) return status.error().WithContext(path);
  if (*status != 0) {
    return MakeError("{} failed (exit {}): {}", path, *status, ReadFile(err).value_or(""));
  }
  return Ok{};
}

// The setup script's KEY=VALUE lines become placeholders.
Status StudySession::RunSetup() {
  std::string out = work_ + "/setup.out";
  if (Status s = RunScript(spec_.setup_script, work_, out); !s.ok()) return s;
  Result<std::string> text = ReadFile(out);
  if (!text.ok()) return text.error();
  size_t start = 0;
  while (start < text->size()) {
    size_t end = text->find('\n', start);
    if (end == std::string::npos) end = text->size();
    std::string line = text->substr(start, end - start);
    start = end + 1;
    size_t equals = line.find('=');
    if (line.empty() || equals == std::string::npos || equals == 0) continue;
    values_[line.substr(0, equals)] = line.substr(equals + 1);
  }
  return Ok{};
}

Status StudySession::LoadRuns() {
  runs_.resize(spec_.programs.size());
  phase_arguments_.resize(spec_.programs.size());
  for (size_t i = 0; i < spec_.programs.size(); ++i) {
    const ProgramSpec& program = spec_.programs[i];
    if (!program.runs_file.empty()) {
      std::string path = spec_.dir + "/" + program.runs_file;
      Result<std::string> text = ReadFile(path);
      if (!text.ok()) return text.error();
      Result<std::vector<Workload>> runs = ParseWorkloads(*text, path, values_);
      if (!runs.ok()) return runs.error();
      runs_[i] = std::move(*runs);
    }
    if (!program.phases_file.empty()) {
      std::string path = spec_.dir + "/" + program.phases_file;
      Result<std::string> text = ReadFile(path);
      if (!text.ok()) return text.error();
      Result<std::vector<std::string>> arguments = ParsePhaseTriggers(*text, path);
      if (!arguments.ok()) return arguments.error();
      phase_arguments_[i] = std::move(*arguments);
    }
  }
  return Ok{};
}

size_t StudySession::ProgramIndex(const std::string& name) const {
  for (size_t i = 0; i < spec_.programs.size(); ++i) {
    if (spec_.programs[i].name == name) return i;
  }
  return 0;  // the parser checked every name
}

bool StudySession::StartsProgram(const Workload& run, size_t program) const {
  Result<std::string> started = FindExecutable(run.argv.front());
  return started.ok() && RealPath(*started) == binaries_[program];
}

SubprocessOptions StudySession::TraceOptions(const Workload& run, const std::string& out,
                                             const std::vector<std::string>& extra) const {
  SubprocessOptions options;
  options.argv = {options_.sysfence_binary, "trace", "-o", out};
  options.argv.insert(options.argv.end(), extra.begin(), extra.end());
  options.argv.push_back("--");
  options.argv.insert(options.argv.end(), run.argv.begin(), run.argv.end());
  options.stdin_path = run.stdin_path;
  options.stdout_path = out + ".stdout";
  options.stderr_path = out + ".stderr";
  return options;
}

Result<Profile> StudySession::Trace(const Workload& run, const std::string& out,
                                    const std::vector<std::string>& extra,
                                    double timeout_seconds) const {
  Result<Subprocess> child = Subprocess::Start(TraceOptions(run, out, extra));
  if (!child.ok()) return child.error();
  Result<int> status = Wait(*child, timeout_seconds);
  if (!status.ok()) return status.error().WithContext(run.name);
  Result<Profile> profile = ReadProfileFile(out);
  if (!profile.ok()) {
    return MakeError("tracing '{}' failed (exit {}): {}", run.command, *status,
                     ReadFile(out + ".stderr").value_or("no message"));
  }
  return profile;
}

Result<Workload> StudySession::ServiceWorkload(const ServiceSpec& service) const {
  Result<std::string> command = Substitute(service.command, values_);
  if (!command.ok()) return Fail(command.error().WithContext(fmt::format("line {}", service.line)));
  Result<std::vector<std::string>> words = SplitWords(*command);
  if (!words.ok()) return Fail(words.error().WithContext(fmt::format("line {}", service.line)));
  return Workload{.name = service.program.empty() ? "helper" : "serving the runs",
                  .argv = std::move(*words),
                  .stdin_path = "/dev/null",
                  .command = *command};
}

Status StudySession::StartService(const ServiceSpec& service) {
  Result<Workload> workload = ServiceWorkload(service);
  if (!workload.ok()) return workload.error();
  RunningService running{
      .spec = &service, .workload = std::move(*workload), .out = "", .process = {}};
  size_t index = running_.size();
  Result<Subprocess> process = Error("");
  if (service.program.empty()) {
    running.out = fmt::format("{}/helper-{}.log", work_, index);
    SubprocessOptions run;
    run.argv = running.workload.argv;
    run.stdout_path = running.out;
    run.stderr_path = running.out;
    run.extra_environment = Environment();
    Progress(fmt::format("starting the helper {}", running.workload.command));
    process = Subprocess::Start(run);
  } else {
    running.out = fmt::format("{}/service-{}.json", work_, index);
    Progress(
        fmt::format("starting {} under the tracer: {}", service.program, running.workload.command));
    process = Subprocess::Start(TraceOptions(running.workload, running.out,
                                             phase_arguments_[ProgramIndex(service.program)]));
  }
  if (!process.ok()) return process.error();
  running.process = std::move(*process);
  Result<std::string> target = Substitute(service.ready.target, values_);
  if (!target.ok()) return Fail(target.error().WithContext(fmt::format("line {}", service.line)));
  auto log = [&] {
    std::string path = service.program.empty() ? running.out : running.out + ".stderr";
    return ReadFile(path).value_or("");
  };
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::duration<double>(kReadyTimeoutSeconds);
  while (true) {
    Result<bool> ready = IsReady(service.ready, *target);
    if (!ready.ok()) return Fail(ready.error().WithContext(fmt::format("line {}", service.line)));
    if (*ready) break;
    if (options_.interrupted && options_.interrupted() != 0) {
      return MakeError("interrupted while waiting for '{}'", running.workload.command);
    }
    if (running.process->HasExited()) {
      return MakeError("'{}' ended before it was ready: {}", running.workload.command, log());
    }
    if (std::chrono::steady_clock::now() > deadline) {
      return MakeError("'{}' was not ready ({} {}) after {} s: {}", running.workload.command,
                       service.ready.kind == ReadyCheck::Kind::kTcp    ? "a connect to port"
                       : service.ready.kind == ReadyCheck::Kind::kUnix ? "a connect to"
                                                                       : "the file",
                       *target, kReadyTimeoutSeconds, log());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  running_.push_back(std::move(running));
  return Ok{};
}

// Stops a service the way the study says; a service's profile, none for a helper.
Result<std::optional<Profile>> StudySession::StopService(RunningService& running) {
  const ServiceSpec& service = *running.spec;
  Progress(fmt::format("stopping {}",
                       service.program.empty() ? running.workload.command : service.program));
  if (!service.stop_command.empty()) {
    Result<std::string> command = Substitute(service.stop_command, values_);
    Result<std::vector<std::string>> words =
        command.ok() ? SplitWords(*command) : Result<std::vector<std::string>>(command.error());
    if (!words.ok() || words->empty()) {
      return Fail(MakeError("the stop command of line {} is empty or malformed", service.line));
    }
    std::string err = fmt::format("{}.stop.err", running.out);
    Result<int> status = RunQuietly(*words, "/dev/null", err);
    if (!status.ok()) return status.error().WithContext(*command);
    if (*status != 0) {
      return MakeError("'{}' failed (exit {}): {}", *command, *status, ReadFile(err).value_or(""));
    }
  } else if (service.program.empty()) {
    running.process->Signal(service.stop_signal);
  } else {
    // The traced command is the tracer's only child; the signal goes to it, so the service
    // ends its own way under the tracer.
    for (pid_t child : ChildrenOf(running.process->pid())) kill(child, service.stop_signal);
  }
  Result<int> status = Wait(*running.process, kRunTimeoutSeconds);
  if (service.program.empty()) return std::optional<Profile>();
  if (!status.ok()) return status.error().WithContext(running.workload.command);
  Result<Profile> profile = ReadProfileFile(running.out);
  if (!profile.ok()) {
    return MakeError("tracing '{}' failed (exit {}): {}", running.workload.command, *status,
                     ReadFile(running.out + ".stderr").value_or("no message"));
  }
  return std::optional<Profile>(std::move(*profile));
}

}  // namespace sysfence
