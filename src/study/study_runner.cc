// The study runner (see study_runner.h). In order: what StudySession sets up (the checks, the
// placeholders, the inputs and setup scripts, the services and helpers), every program's runs,
// the services stopped in reverse order, then a static analysis of each program and the
// combined rows.
#include "study/study_runner.h"

#include <sys/utsname.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "base/file_util.h"
#include "base/subprocess.h"
#include "profile/profile_json.h"
#include "profile/soundness.h"
#include "study/study_session.h"
#include "study/study_spec.h"
#include "study/workload.h"

namespace sysfence {
namespace {

namespace fs = std::filesystem;

constexpr double kRunTimeoutSeconds = 120;
constexpr double kStaticTimeoutSeconds = 300;

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

class Study {
 public:
  Study(const StudyOptions& options, const StudySpec& spec, std::string work)
      : options_(options),
        spec_(spec),
        work_(work),
        session_(spec, std::move(work),
                 {.sysfence_binary = options.sysfence_binary,
                  .interrupted = options.interrupted,
                  .progress = options.progress}) {}

  Result<StudyResult> Run() {
    result_.study = spec_.name;
    result_.title = spec_.title;
    result_.machine = MachineDescription();
    if (Status s = session_.Prepare(); !s.ok()) return s.error();
    for (size_t i = 0; i < spec_.programs.size(); ++i) {
      ProgramSets sets;
      sets.name = spec_.programs[i].name;
      sets.binary = session_.binary(i);
      sets_.push_back(std::move(sets));
      sites_.emplace_back();
    }
    if (Status s = session_.StartServices(); !s.ok()) return s.error();
    for (size_t i = 0; i < spec_.programs.size(); ++i) {
      if (Status s = TraceRuns(i); !s.ok()) return s.error();
    }
    Result<std::vector<StoppedService>> stopped = session_.StopServices();
    if (!stopped.ok()) return stopped.error();
    for (const StoppedService& service : *stopped) {
      if (!service.profile) continue;
      // The service's whole traced profile, phases and all, is what `sysfence run --phased`
      // enforces: the report keeps it.
      result_.service_profiles[service.spec->program] = ReadFile(service.profile_path).value_or("");
      size_t program = session_.ProgramIndex(service.spec->program);
      RecordRun(sets_[program], service.workload, *service.profile, session_.binary(program));
    }
    for (size_t i = 0; i < spec_.programs.size(); ++i) {
      Result<Profile> static_profile = AnalyseStatically(session_.binary(i));
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

  Status TraceRuns(size_t index) {
    const ProgramSpec& program = spec_.programs[index];
    const std::vector<Workload>& runs = session_.runs(index);
    for (size_t i = 0; i < runs.size(); ++i) {
      const Workload& run = runs[i];
      Progress(fmt::format("[{}/{}] tracing {}: {}", i + 1, runs.size(), program.name, run.name));
      // Phase triggers apply to runs that start the program itself: in a run of another
      // command (scp running ssh, say) the trigger would fire in the wrong process.
      bool own = session_.StartsProgram(run, index);
      std::string out = fmt::format("{}/run-{}-{:02}.json", work_, index + 1, i + 1);
      Result<Profile> profile = session_.Trace(
          run, out, own ? session_.phase_arguments(index) : std::vector<std::string>{},
          kRunTimeoutSeconds);
      if (!profile.ok()) return profile.error();
      if (program.runs_must_succeed && profile->exit_status != 0) {
        return MakeError("{} run '{}' failed with exit status {}: {}", program.name, run.name,
                         profile->exit_status, ReadFile(out + ".stderr").value_or(""));
      }
      RecordRun(sets_[index], run, *profile, session_.binary(index));
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
    Result<int> status = child->Wait(kStaticTimeoutSeconds, options_.interrupted);
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
    std::string slug = fs::path(session_.binary(index)).filename().string();
    Profile dynamic;
    dynamic.target = session_.binary(index);
    dynamic.syscalls = sets.dynamic;
    dynamic.images[session_.binary(index)] = sets.dynamic;
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
      const ProgramSets& part = sets_[session_.ProgramIndex(name)];
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
  StudySession session_;
  std::vector<ProgramSets> sets_;  // one per program
  // The syscall sites of each program's runs (Profile::sites), one per program.
  std::vector<std::map<std::string, std::map<uint64_t, SyscallSet>>> sites_;
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
