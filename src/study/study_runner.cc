// The study runner (see study_runner.h). In order: the study's checks (root, required
// programs), placeholders ({in}, {work}, {sysfence}, free loopback ports, what the setup script
// prints), the inputs and setup scripts, the services and helpers in file order (each waited
// for until ready), every program's runs, the services stopped in reverse order, then a static
// analysis of each program and the combined rows.
#include "study/study_runner.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "base/file_util.h"
#include "base/loopback.h"
#include "base/subprocess.h"
#include "profile/profile_json.h"
#include "profile/soundness.h"
#include "study/study_spec.h"
#include "study/workload.h"

namespace sysfence {
namespace {

namespace fs = std::filesystem;

constexpr double kRunTimeoutSeconds = 120;
constexpr double kStaticTimeoutSeconds = 300;
constexpr double kReadyTimeoutSeconds = 30;

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
      path = fs::absolute(path, error).string();
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

// A started service (traced) or helper (not).
struct RunningService {
  const ServiceSpec* spec = nullptr;
  Workload workload;
  std::string out;  // the service's profile; its helper's log for a helper
  std::optional<Subprocess> process;
};

class Study {
 public:
  Study(const StudyOptions& options, const StudySpec& spec, std::string work)
      : options_(options), spec_(spec), work_(std::move(work)) {}

  Result<StudyResult> Run() {
    result_.study = spec_.name;
    result_.title = spec_.title;
    result_.machine = MachineDescription();
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
    if (Status s = LoadRuns(); !s.ok()) return s.error();
    for (const ServiceSpec& service : spec_.services) {
      if (Status s = StartService(service); !s.ok()) return s.error();
    }
    for (size_t i = 0; i < spec_.programs.size(); ++i) {
      if (Status s = TraceRuns(i); !s.ok()) return s.error();
    }
    std::vector<std::optional<Profile>> served(running_.size());
    for (size_t i = running_.size(); i-- > 0;) {
      Result<std::optional<Profile>> profile = StopService(running_[i]);
      if (!profile.ok()) return profile.error();
      served[i] = std::move(*profile);
    }
    for (size_t i = 0; i < running_.size(); ++i) {
      if (!served[i]) continue;
      // The service's whole traced profile, phases and all, is what `sysfence run --phased`
      // enforces: the report keeps it.
      result_.service_profiles[running_[i].spec->program] = ReadFile(running_[i].out).value_or("");
      size_t program = ProgramIndex(running_[i].spec->program);
      RecordRun(sets_[program], running_[i].workload, *served[i], binaries_[program]);
    }
    for (size_t i = 0; i < spec_.programs.size(); ++i) {
      Result<Profile> static_profile = AnalyseStatically(binaries_[i]);
      if (!static_profile.ok()) return static_profile.error();
      AddStatic(sets_[i], *static_profile);
      if (Status s = ExplainStaticOnly(i); !s.ok()) return s.error();
    }
    result_.programs = sets_;
    for (const CombinedSpec& combined : spec_.combined)
      result_.programs.push_back(Combine(combined));
    for (const PosterSpec& poster : spec_.poster) {
      result_.poster.push_back(
          {.what = poster.label,
           .value = poster.value,
           .unit = poster.measure.starts_with("phase:") ? "% of the application" : "syscalls",
           .program = poster.program,
           .measure = poster.measure});
    }
    return std::move(result_);
  }

 private:
  void Progress(const std::string& line) const {
    if (options_.progress) options_.progress(line);
  }

  Result<int> Wait(Subprocess& child, double timeout_seconds) const {
    return child.Wait(timeout_seconds, options_.interrupted);
  }

  Error Fail(const Error& error) const { return error.WithContext(spec_.dir + "/study.txt"); }

  Status CheckRequirements() {
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
      ProgramSets sets;
      sets.name = program.name;
      sets.binary = binaries_.back();
      sets_.push_back(std::move(sets));
      sites_.emplace_back();
    }
    return Ok{};
  }

  Status MakePlaceholders() {
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
  std::vector<std::string> Environment() const {
    std::vector<std::string> environment;
    for (const auto& [key, value] : values_) environment.push_back(key + "=" + value);
    return environment;
  }

  Result<int> RunQuietly(const std::vector<std::string>& argv, const std::string& out,
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

  Status RunScript(const std::string& script, const std::string& argument,
                   const std::string& out = "/dev/null") const {
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
  Status RunSetup() {
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

  Status LoadRuns() {
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

  size_t ProgramIndex(const std::string& name) const {
    for (size_t i = 0; i < spec_.programs.size(); ++i) {
      if (spec_.programs[i].name == name) return i;
    }
    return 0;  // the parser checked every name
  }

  // `sysfence trace [extra...] -o OUT -- argv` as a child.
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

  Result<Workload> ServiceWorkload(const ServiceSpec& service) const {
    Result<std::string> command = Substitute(service.command, values_);
    if (!command.ok())
      return Fail(command.error().WithContext(fmt::format("line {}", service.line)));
    Result<std::vector<std::string>> words = SplitWords(*command);
    if (!words.ok()) return Fail(words.error().WithContext(fmt::format("line {}", service.line)));
    return Workload{.name = service.program.empty() ? "helper" : "serving the runs",
                    .argv = std::move(*words),
                    .stdin_path = "/dev/null",
                    .command = *command};
  }

  Status StartService(const ServiceSpec& service) {
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
      Progress(fmt::format("starting {} under the tracer: {}", service.program,
                           running.workload.command));
      process = StartTrace(running.workload, running.out,
                           phase_arguments_[ProgramIndex(service.program)]);
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
  Result<std::optional<Profile>> StopService(RunningService& running) {
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
        return MakeError("'{}' failed (exit {}): {}", *command, *status,
                         ReadFile(err).value_or(""));
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

  Status TraceRuns(size_t index) {
    const ProgramSpec& program = spec_.programs[index];
    const std::vector<Workload>& runs = runs_[index];
    for (size_t i = 0; i < runs.size(); ++i) {
      const Workload& run = runs[i];
      Progress(fmt::format("[{}/{}] tracing {}: {}", i + 1, runs.size(), program.name, run.name));
      // Phase triggers apply to runs that start the program itself: in a run of another
      // command (scp running ssh, say) the trigger would fire in the wrong process.
      Result<std::string> started = FindExecutable(run.argv.front());
      bool own = started.ok() && RealPath(*started) == binaries_[index];
      std::string out = fmt::format("{}/run-{}-{:02}.json", work_, index + 1, i + 1);
      Result<Subprocess> child =
          StartTrace(run, out, own ? phase_arguments_[index] : std::vector<std::string>{});
      if (!child.ok()) return child.error();
      Result<Profile> profile = FinishTrace(*child, out, run);
      if (!profile.ok()) return profile.error();
      if (program.runs_must_succeed && profile->exit_status != 0) {
        return MakeError("{} run '{}' failed with exit status {}: {}", program.name, run.name,
                         profile->exit_status, ReadFile(out + ".stderr").value_or(""));
      }
      RecordRun(sets_[index], run, *profile, binaries_[index]);
    }
    return Ok{};
  }

  Result<Profile> AnalyseStatically(const std::string& binary) const {
    std::string out = work_ + "/static-" + fs::path(binary).filename().string() + ".json";
    Progress(fmt::format("static analysis of {}", binary));
    Status done = RunSysfence({"static", "-o", out, binary}, out,
                              fmt::format("static analysis of {}", binary));
    if (!done.ok()) return done.error();
    return ReadProfileFile(out);
  }

  // `sysfence ARGUMENTS...`, which writes `out` (its standard error goes to out.stderr and
  // into the error when it fails).
  Status RunSysfence(std::vector<std::string> arguments, const std::string& out,
                     const std::string& what) const {
    SubprocessOptions run;
    run.argv = {options_.sysfence_binary};
    run.argv.insert(run.argv.end(), arguments.begin(), arguments.end());
    run.stderr_path = out + ".stderr";
    Result<Subprocess> child = Subprocess::Start(run);
    if (!child.ok()) return child.error();
    Result<int> status = Wait(*child, kStaticTimeoutSeconds);
    if (!status.ok()) return status.error();
    if (*status != 0) {
      return MakeError("{} failed (exit {}): {}", what, *status,
                       ReadFile(out + ".stderr").value_or(""));
    }
    return Ok{};
  }

  // `compare --explain` of the program's merged runs (their calls and syscall sites) and its
  // static profile: why each static-only call is missing.
  Status ExplainStaticOnly(size_t index) {
    ProgramSets& sets = sets_[index];
    std::string slug = fs::path(binaries_[index]).filename().string();
    Profile dynamic;
    dynamic.target = binaries_[index];
    dynamic.syscalls = sets.dynamic;
    dynamic.images[binaries_[index]] = sets.dynamic;
    dynamic.runs = std::max(sets.runs, 1);
    // The sites of the calls the program's own image made (a run's other processes, a shell
    // say, are not the program).
    for (const auto& [path, offsets] : sites_[index]) {
      for (const auto& [offset, calls] : offsets) {
        SyscallSet own = calls & sets.dynamic;
        if (!own.Empty()) dynamic.sites[path][offset] = own;
      }
    }
    std::string dynamic_path = work_ + "/dynamic-" + slug + ".json";
    std::string out = work_ + "/explain-" + slug + ".json";
    if (Status written = WriteProfileFile(dynamic_path, dynamic); !written.ok()) return written;
    Progress(fmt::format("why static analysis finds calls the traces of {} lack", sets.name));
    Status done = RunSysfence({"compare", "--explain", "--format", "json", "-o", out, dynamic_path,
                               work_ + "/static-" + slug + ".json"},
                              out, fmt::format("compare --explain of {}", sets.name));
    if (!done.ok()) return done;
    Result<std::string> text = ReadFile(out);
    if (!text.ok()) return text.error();
    nlohmann::json parsed = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
    Result<StaticOnlyReport> report = StaticOnlyFromJson(parsed, out);
    if (!report.ok()) return report.error();
    sets.static_only = std::move(*report);
    if (auto judged = spec_.judged.find(spec_.programs[index].name); judged != spec_.judged.end()) {
      sets.judged = judged->second;
    }
    return Ok{};
  }

  // Adds one traced run of a program: its own image's calls, arguments and phases.
  void RecordRun(ProgramSets& sets, const Workload& workload, const Profile& profile,
                 const std::string& image) {
    SyscallSet own;
    auto image_calls = profile.images.find(image);
    if (image_calls != profile.images.end()) own = image_calls->second;
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
                 .new_syscalls = (own - sets.dynamic).Size(),
                 .ran_program = image_calls != profile.images.end()};
    sets.dynamic |= own;
    // A step that does not start the program (a reload command, a raw socket from bash) is
    // traced and listed, but is not one of the program's runs.
    if (run.ran_program) {
      ++sets.runs;
      // Its syscall sites (of every file its processes ran), for compare --explain.
      auto& sites = sites_[static_cast<size_t>(&sets - sets_.data())];
      for (const auto& [path, offsets] : profile.sites) {
        for (const auto& [offset, calls] : offsets) sites[path][offset] |= calls;
      }
    }
    for (int number : own) ++sets.seen_in_runs[number];
    // The program's phases are its own image's: what the shells and commands a run starts
    // call in the traced tree is not the program's.
    for (const Phase& traced : profile.phases) {
      Phase phase{.name = traced.name, .syscalls = {}, .trigger = traced.trigger};
      if (auto it = traced.images.find(image); it != traced.images.end()) {
        phase.syscalls = it->second;
      }
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
    if (!series.points.empty()) result_.discovery.push_back(std::move(series));
    Progress(run.ran_program
                 ? fmt::format("  {:<24} exit {:>3}  {:>3} syscalls  {:>2} new", workload.name,
                               profile.exit_status, run.distinct_syscalls, run.new_syscalls)
                 : fmt::format("  {:<24} exit {:>3}  (did not start {})", workload.name,
                               profile.exit_status, sets.name));
    result_.runs.push_back(std::move(run));
  }

  // The static set beside the traced one: a traced call or argument value the static profile
  // lacks is a soundness failure.
  void AddStatic(ProgramSets& sets, const Profile& static_profile) {
    sets.static_set = static_profile.syscalls;
    sets.static_args = static_profile.args;
    sets.unresolved_sites = static_cast<int>(static_profile.unresolved.size());
    for (const ArgumentFacts& facts : ArgumentFactsOf(sets)) {
      for (const std::string& value : facts.static_misses) {
        result_.soundness_failures.push_back(
            fmt::format("{}: {} {} {} was traced but the static profile does not allow it",
                        sets.name, facts.syscall, facts.argument, value));
      }
    }
    SoundnessReport report =
        CheckSoundness({{sets.binary, sets.dynamic}}, {{sets.binary, static_profile.syscalls}});
    for (const ImageSoundness& image : report.images) {
      for (const std::string& name : image.missed.Names()) {
        result_.soundness_failures.push_back(fmt::format(
            "{}: {} was traced but is not in the static set of {}", sets.name, name, image.image));
      }
    }
  }

  ProgramSets Combine(const CombinedSpec& spec) const {
    ProgramSets combined;
    combined.name = spec.name;
    combined.static_set.emplace();
    for (const std::string& name : spec.programs) {
      const ProgramSets& part = sets_[ProgramIndex(name)];
      combined.binary += (combined.binary.empty() ? "" : " + ") + part.binary;
      combined.dynamic_args =
          UnionArguments(combined.dynamic_args, combined.dynamic, part.dynamic_args, part.dynamic);
      combined.static_args = UnionArguments(combined.static_args, *combined.static_set,
                                            part.static_args, *part.static_set);
      combined.dynamic |= part.dynamic;
      *combined.static_set |= *part.static_set;
      combined.runs += part.runs;
      for (const auto& [number, count] : part.seen_in_runs) combined.seen_in_runs[number] += count;
      combined.unresolved_sites += part.unresolved_sites;
    }
    return combined;
  }

  const StudyOptions& options_;
  const StudySpec& spec_;
  std::string work_;
  std::map<std::string, std::string> values_;
  std::vector<std::string> binaries_;  // real paths, one per program
  std::vector<ProgramSets> sets_;      // one per program
  // The syscall sites of each program's runs (Profile::sites), one per program.
  std::vector<std::map<std::string, std::map<uint64_t, SyscallSet>>> sites_;
  std::vector<std::vector<Workload>> runs_;
  std::vector<std::vector<std::string>> phase_arguments_;
  std::vector<RunningService> running_;
  StudyResult result_;
};

}  // namespace

std::string DefaultWorkloadsDir() {
  if (const char* dir = getenv("SYSFENCE_STUDY_DIR"); dir != nullptr && dir[0] != '\0') {
    return dir;
  }
  return std::string(SYSFENCE_SOURCE_DIR) + "/study";
}

Result<std::string> FindStudyDirectory(const std::string& name, const std::string& workloads_dir) {
  std::error_code error;
  if (name.find('/') != std::string::npos || fs::is_directory(name, error)) return name;
  std::string dir = workloads_dir + "/" + name;
  if (fs::is_regular_file(dir + "/study.txt", error)) return dir;
  std::string known;
  for (const std::string& study : CheckedInStudies(workloads_dir)) {
    known += (known.empty() ? "" : ", ") + fs::path(study).filename().string();
  }
  return MakeError("unknown study '{}': not a directory, nor a study of {} ({})", name,
                   workloads_dir, known.empty() ? "none there" : known);
}

std::vector<std::string> CheckedInStudies(const std::string& workloads_dir) {
  std::vector<std::string> studies;
  std::error_code error;
  for (const fs::directory_entry& entry : fs::directory_iterator(workloads_dir, error)) {
    if (fs::is_regular_file(entry.path() / "study.txt", error)) {
      studies.push_back(entry.path().string());
    }
  }
  std::sort(studies.begin(), studies.end());
  return studies;
}

Result<StudyResult> RunStudy(const StudyOptions& options) {
  Result<StudySpec> spec = LoadStudySpec(options.study_dir);
  if (!spec.ok()) return spec.error();
  Result<WorkDir> work = WorkDir::Create(options.work_dir, options.keep_work_dir);
  if (!work.ok()) return work.error();
  // The study's children are killed with their process groups when it is interrupted (or
  // fails); their own children, reparented here, are reaped here rather than left to init.
  ScopedChildSubreaper subreaper;
  Result<StudyResult> result = Study(options, *spec, work->path()).Run();
  KillAndReapChildren();
  return result;
}

}  // namespace sysfence
