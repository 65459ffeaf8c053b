// The tracer's library entry point, TraceCommand: its observer hook, driven by a small test
// observer (what it is told: calls with arguments, spawns, execs, signals, exits; what it can
// read from the stopped tracee: a path argument, written bytes, the file behind a descriptor;
// how it splits the profile into phases), and tracing only a chosen set of calls.
#include "trace/trace_command.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/syscall.h>

#include <filesystem>
#include <fstream>

#include "ptrace/tracee_fds.h"
#include "ptrace/tracee_memory.h"
#include "test_util.h"

namespace sysfence::testing {
namespace {

class RecordingObserver : public TraceObserver {
 public:
  explicit RecordingObserver(std::string file) : file_(std::move(file)) {}

  void OnStart(TraceContext& context) override { context.StartPhase("start", ""); }

  void OnSyscall(TraceContext& context, const SyscallStop& stop) override {
    if (calls == 0) {
      first_number = stop.number;
      first_image = std::string(stop.image);
    }
    ++calls;
    time_went_back |= stop.monotonic_ns < last_ns_;
    last_ns_ = stop.monotonic_ns;
    if (stop.arch != SyscallArch::kX86_64) return;
    if (stop.number == SYS_openat) {
      Result<std::string> path = ReadTraceeString(stop.pid, stop.args[1]);
      if (path.ok() && *path == file_) {
        opened_file = true;
        opener_image = std::string(stop.image);
        opener_pid = stop.pid;
        opener_tgid = stop.tgid;
      }
    }
    if (stop.number == SYS_write) {
      Result<std::string> target = TraceeFdTarget(stop.pid, static_cast<int>(stop.args[0]));
      Result<std::string> bytes = ReadTraceeBytes(stop.pid, stop.args[1], stop.args[2]);
      if (target.ok() && *target == file_ && bytes.ok()) {
        written = *bytes;
        Result<std::vector<TraceeFd>> fds = ListTraceeFds(stop.pid);
        if (fds.ok()) {
          for (const TraceeFd& fd : *fds) {
            listed_file |= fd.fd == static_cast<int>(stop.args[0]) && fd.target == file_;
          }
        }
      }
    }
    if (stop.number == 604) context.StartPhase("after-604", "syscall 604");
  }

  void OnSpawn(TraceContext&, const SpawnEvent& event) override {
    spawns.push_back(event);
    spawn_images.emplace_back(event.image);  // the view lives only during the call
  }
  void OnExec(TraceContext& context, const ExecEvent& event) override {
    exec_images.emplace_back(event.image);
    root_pid = context.RootPid();
  }
  void OnSignal(TraceContext&, const SignalEvent& event) override {
    signals.push_back(event.signal);
  }
  void OnExit(TraceContext&, const ExitEvent& event) override {
    if (event.pid == root_pid) {
      root_killed = event.killed;
      root_status = event.status;
    }
  }

  int calls = 0;
  uint64_t first_number = 0;
  std::string first_image;
  bool time_went_back = false;
  bool opened_file = false;
  std::string opener_image;
  pid_t opener_pid = 0;
  pid_t opener_tgid = 0;
  std::string written;
  bool listed_file = false;
  std::vector<SpawnEvent> spawns;
  std::vector<std::string> spawn_images;
  std::vector<std::string> exec_images;
  std::vector<int> signals;
  pid_t root_pid = 0;
  bool root_killed = true;
  int root_status = -1;

 private:
  std::string file_;
  int64_t last_ns_ = 0;
};

std::string Canonical(const std::string& path) { return std::filesystem::canonical(path).string(); }

TEST(TraceObserver, SeesCallsArgumentsAndEventsAndSplitsPhases) {
  ScratchDir dir;
  std::string file = dir.File("written.txt");
  std::string program = Canonical(TestProgram("observed_actions"));
  RecordingObserver observer(file);
  TraceOptions options;
  options.command = {program, file};
  Result<TraceResult> result = TraceCommand(options, &observer);
  ASSERT_TRUE(result.ok()) << result.error().message();
  EXPECT_EQ(result->exit_status, 5);
  EXPECT_EQ(ReadWholeFile(file), "x");

  // The launcher's own set-up is not reported; the command's execve is, under the launcher.
  EXPECT_EQ(observer.first_number, static_cast<uint64_t>(SYS_execve));
  EXPECT_EQ(observer.first_image, kLauncherImage);
  EXPECT_EQ(static_cast<uint64_t>(observer.calls), result->syscall_stops);
  EXPECT_FALSE(observer.time_went_back);

  // Arguments read from the stopped tracee.
  EXPECT_TRUE(observer.opened_file);
  EXPECT_EQ(observer.opener_image, program);
  EXPECT_EQ(observer.opener_pid, observer.root_pid);
  EXPECT_EQ(observer.opener_tgid, observer.root_pid);
  EXPECT_EQ(observer.written, "x");
  EXPECT_TRUE(observer.listed_file);

  // Events.
  ASSERT_EQ(observer.spawns.size(), 1u);
  EXPECT_EQ(observer.spawns[0].kind, SpawnKind::kFork);
  EXPECT_EQ(observer.spawns[0].parent, observer.root_pid);
  EXPECT_EQ(observer.spawns[0].child_tgid, observer.spawns[0].child);
  EXPECT_EQ(observer.spawn_images[0], program);
  EXPECT_EQ(observer.exec_images, (std::vector<std::string>{program, Canonical("/bin/true")}));
  EXPECT_NE(std::find(observer.signals.begin(), observer.signals.end(), SIGUSR1),
            observer.signals.end());
  EXPECT_FALSE(observer.root_killed);
  EXPECT_EQ(observer.root_status, 5);

  // Phases: the triggering call opens the new phase.
  const Profile& profile = result->profile;
  ASSERT_EQ(profile.phases.size(), 2u);
  EXPECT_EQ(profile.phases[0].name, "start");
  EXPECT_EQ(profile.phases[1].name, "after-604");
  EXPECT_EQ(profile.phases[1].trigger, "syscall 604");
  const SyscallSet& start = profile.phases[0].syscalls;
  const SyscallSet& after = profile.phases[1].syscalls;
  EXPECT_TRUE(start.Contains("execve"));
  EXPECT_TRUE(start.Contains("openat"));
  EXPECT_TRUE(start.Contains("write"));
  EXPECT_FALSE(start.Contains("syscall_604"));
  EXPECT_FALSE(start.Contains("wait4"));
  EXPECT_TRUE(after.Contains("syscall_604"));
  EXPECT_TRUE(after.Contains("clone"));
  EXPECT_TRUE(after.Contains("wait4"));
  EXPECT_TRUE(after.Contains("execve")) << "the child's exec of /bin/true";
  EXPECT_TRUE(after.Contains("rt_sigreturn"));
  EXPECT_EQ(profile.phases[1].counts.at(604), 1u);
  // Phases split the same calls the whole profile holds.
  EXPECT_EQ(start | after, profile.syscalls);
}

TEST(TraceCommand, TracesOnlyTheChosenCallsAndNumbersNoTableNames) {
  TraceOptions options;
  options.command = {TestProgram("raw_syscalls")};
  options.traced_syscalls = SyscallSet::FromNames({"sysinfo", "getcpu", "exit_group"}).value();
  Result<TraceResult> result = TraceCommand(options);
  ASSERT_TRUE(result.ok()) << result.error().message();
  EXPECT_EQ(result->exit_status, 0);
  // 600 is not a syscall the filter could allow by name, so it is always seen.
  EXPECT_EQ(result->profile.syscalls.Names(),
            (std::vector<std::string>{"exit_group", "getcpu", "syscall_600", "sysinfo"}));
  EXPECT_EQ(result->syscall_stops, 4u);
  // The exec is still followed (by its ptrace event), so the calls have the right image.
  const SyscallSet& image = result->profile.images.at(Canonical(TestProgram("raw_syscalls")));
  EXPECT_TRUE(image.Contains("sysinfo"));
}

// Every site the trace keeps is a `syscall` instruction (0f 05) at its offset in its file, the
// program's own raw calls among them, and the sites' calls are the profile's.
TEST(TraceCommand, RecordsTheSyscallSitesThatRanByFileAndOffset) {
  TraceOptions options;
  options.command = {TestProgram("raw_syscalls")};
  Result<TraceResult> result = TraceCommand(options);
  ASSERT_TRUE(result.ok()) << result.error().message();
  const Profile& profile = result->profile;
  ASSERT_FALSE(profile.sites.empty());
  SyscallSet from_sites;
  bool sysinfo_in_libc = false;
  for (const auto& [path, offsets] : profile.sites) {
    if (path == "[vdso]") continue;
    std::ifstream file(path, std::ios::binary);
    ASSERT_TRUE(file) << path;
    for (const auto& [offset, calls] : offsets) {
      char bytes[2] = {};
      file.seekg(static_cast<std::streamoff>(offset));
      file.read(bytes, 2);
      EXPECT_EQ(bytes[0], '\x0f') << path << " at " << offset;
      EXPECT_EQ(bytes[1], '\x05') << path << " at " << offset;
      from_sites |= calls;
      // raw_syscalls calls syscall(), which is libc's: the site is in libc.
      if (calls.Contains("sysinfo") && path.find("libc.so") != std::string::npos) {
        sysinfo_in_libc = true;
      }
    }
  }
  EXPECT_TRUE(sysinfo_in_libc);
  // Every call but the launcher's execve (made before the command runs) has its site.
  SyscallSet expected = profile.syscalls;
  expected.Erase(*SyscallNumber("execve"));
  EXPECT_EQ(from_sites.Names(), expected.Names());
}

}  // namespace
}  // namespace sysfence::testing
