// The kernel program and its loader against real processes: what a task calls is counted and
// flushed before its exec and exit, children are followed from their first call, the exec path
// is the executable's, i386 calls are told apart, each syscall site is sent once with its file.
// Skipped, with the reason, only where BpfRecorderUnavailable() says eBPF cannot work; where it
// can, a failing load fails the test.
#include "ebpf/bpf_recorder.h"

#include <bpf/btf.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/types.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "ebpf/kernel_btf.h"
#include "ebpf/recorder_abi.h"
#include "syscalls/argument_table.h"

namespace sysfence {
namespace {

// The kernel program has room for every argument the table records of a call.
TEST(BpfRecorderAbi, ArgumentTableFitsTheKernelProgram) {
  for (const ArgumentSpec& spec : ArgumentSpecs()) {
    EXPECT_LT(spec.syscall, SF_X86_64_LIMIT) << spec.name;
    EXPECT_LE(ArgumentSpecsOf(spec.syscall).size(), size_t{SF_ARGS_PER_CALL}) << spec.syscall;
    EXPECT_LT(spec.index, 6) << spec.syscall;
  }
}

struct Recorded : BpfEventSink {
  void OnFork(const BpfForkEvent& event) override { forks.push_back(event); }
  void OnExec(const BpfExecEvent& event) override {
    execs.push_back({event.pid, event.former_tid, std::string(event.path), event.launch});
  }
  void OnExit(const BpfExitEvent& event) override { exits.push_back(event); }
  void OnCalls(const BpfCalls& calls) override {
    auto& by_number = calls.arch == BpfArch::kI386 ? i386 : x86_64;
    by_number[{calls.tid, calls.number}] += calls.count;
    total[calls.arch == BpfArch::kI386 ? -calls.number - 1 : calls.number] += calls.count;
    // Every flush happens before the task's exec or exit is reported.
    for (const BpfExitEvent& exit : exits) EXPECT_NE(exit.tid, calls.tid) << "calls after exit";
  }
  void OnFirstCall(const BpfCallEvent& event) override { first_calls.push_back(event); }
  void OnSite(const BpfSite& site) override { sites.push_back(site); }
  void OnFileName(const BpfFileName& file) override {
    file_names.push_back({file.dev, file.inode, std::string(file.path)});
  }

  struct Exec {
    pid_t pid;
    pid_t former_tid;
    std::string path;
    bool launch;
  };
  std::vector<BpfForkEvent> forks;
  std::vector<Exec> execs;
  std::vector<BpfExitEvent> exits;
  std::map<std::pair<pid_t, int>, uint64_t> x86_64;  // (tid, number) -> calls
  std::map<std::pair<pid_t, int>, uint64_t> i386;
  std::map<int, uint64_t> total;  // by number; i386 numbers as -number-1
  std::vector<BpfCallEvent> first_calls;
  std::vector<BpfSite> sites;
  struct FileName {
    uint64_t dev;
    uint64_t inode;
    std::string path;
  };
  std::vector<FileName> file_names;
};

// A forked child that waits at each Step() of `body` until the parent lets it go on (Go()),
// and that the parent can ask to report back (`Paused()` waits until the child calls Pause()).
class HeldChild {
 public:
  explicit HeldChild(const std::function<void(HeldChild&)>& body) {
    EXPECT_EQ(pipe2(go_, O_CLOEXEC), 0);
    EXPECT_EQ(pipe2(paused_, O_CLOEXEC), 0);
    pid_ = fork();
    if (pid_ == 0) {
      Step();
      body(*this);
      _exit(0);
    }
    close(go_[0]);
    close(paused_[1]);
  }
  ~HeldChild() {
    close(go_[1]);
    close(paused_[0]);
  }
  HeldChild(const HeldChild&) = delete;
  HeldChild& operator=(const HeldChild&) = delete;

  pid_t pid() const { return pid_; }
  // In the child: wait for the parent's Go().
  void Step() {
    char byte;
    if (read(go_[0], &byte, 1) != 1) _exit(127);
  }
  // In the child: tell the parent it got here.
  void Pause() {
    if (write(paused_[1], "p", 1) != 1) _exit(127);
  }
  void Go() { EXPECT_EQ(write(go_[1], "g", 1), 1); }
  void Paused() {
    char byte;
    EXPECT_EQ(read(paused_[0], &byte, 1), 1);
  }

 private:
  int go_[2];
  int paused_[2];
  pid_t pid_ = 0;
};

class BpfRecorderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::optional<std::string> reason = BpfRecorderUnavailable()) {
      GTEST_SKIP() << "eBPF recording is not possible here: " << *reason;
    }
    Result<std::unique_ptr<BpfRecorder>> created = BpfRecorder::Create({});
    ASSERT_TRUE(created.ok()) << created.error().message();
    recorder_ = std::move(*created);
  }

  // Runs argv under the recorder the way sysfence launches a command, until every process of
  // its tree is gone; returns the first process's wait status.
  int Run(const std::vector<std::string>& argv) {
    return Record(/*launching=*/true, [&argv](HeldChild&) {
      std::vector<char*> args;
      for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    });
  }

  // Runs `body` in a child recorded from its first step on, as Run does (`launching`: only
  // its execve calls count until one succeeds).
  int Record(bool launching, const std::function<void(HeldChild&)>& body) {
    HeldChild child(body);
    root_ = child.pid();
    EXPECT_TRUE(recorder_->Track(root_, root_, launching).ok());
    child.Go();
    int root_status = -1;
    for (;;) {
      Result<int> polled = recorder_->Poll(20, recorded_);
      EXPECT_TRUE(polled.ok());
      int status = 0;
      pid_t pid = waitpid(-1, &status, __WALL | WNOHANG);
      if (pid == root_) root_status = status;
      if (pid < 0 && errno == ECHILD) break;
    }
    EXPECT_TRUE(recorder_->Poll(0, recorded_).ok());
    return root_status;
  }

  std::unique_ptr<BpfRecorder> recorder_;
  Recorded recorded_;
  pid_t root_ = 0;
};

std::string Program(const std::string& name) {
  return std::string(SYSFENCE_BINARY_DIR) + "/tests/programs/" + name;
}

TEST_F(BpfRecorderTest, CountsTheLaunchExecveThenTheProgramsCallsAndItsExit) {
  int status = Run({Program("raw_syscalls")});
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  ASSERT_EQ(recorded_.execs.size(), 1u);
  EXPECT_EQ(recorded_.execs[0].pid, root_);
  EXPECT_TRUE(recorded_.execs[0].launch);
  EXPECT_EQ(recorded_.execs[0].path, std::filesystem::canonical(Program("raw_syscalls")));
  // sysfence's own calls between fork and execve are not counted; the execve is, once.
  EXPECT_EQ(recorded_.total[SYS_execve], 1u);
  EXPECT_EQ(recorded_.total[600], 1u);  // raw_syscalls makes syscall(600) once
  EXPECT_EQ(recorded_.total[SYS_exit_group], 1u);
  ASSERT_EQ(recorded_.exits.size(), 1u);
  EXPECT_EQ(recorded_.exits[0].tid, root_);
  EXPECT_FALSE(recorded_.exits[0].killed);
  EXPECT_EQ(recorded_.exits[0].status, 0);
  EXPECT_EQ(recorder_->TrackedTasks(), 0);
  BpfLosses losses = recorder_->Losses();
  EXPECT_EQ(losses.lost_events + losses.untracked_tasks + losses.malformed_events, 0u);
}

TEST_F(BpfRecorderTest, FollowsAForkedChildFromItsFirstCall) {
  int status = Run({Program("fork_child")});
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  ASSERT_EQ(recorded_.forks.size(), 1u);
  const BpfForkEvent& fork = recorded_.forks[0];
  EXPECT_EQ(fork.parent, root_);
  EXPECT_EQ(fork.kind, BpfSpawnKind::kFork);
  EXPECT_TRUE(fork.tracked);
  EXPECT_EQ((recorded_.x86_64[{fork.child, 602}]), 1u);
  EXPECT_EQ((recorded_.x86_64[{fork.child, SYS_getppid}]), 1u);
  EXPECT_EQ((recorded_.x86_64[{root_, 602}]), 0u);
  EXPECT_EQ(recorded_.exits.size(), 2u);
}

TEST_F(BpfRecorderTest, TellsThreadsAndVforkApart) {
  Run({Program("thread_syscall")});
  ASSERT_FALSE(recorded_.forks.empty());
  EXPECT_EQ(recorded_.forks[0].kind, BpfSpawnKind::kClone);
  EXPECT_EQ(recorded_.forks[0].child_tgid, root_);
  EXPECT_EQ(recorded_.total[601], 1u);

  recorded_ = Recorded();
  Run({Program("vfork_exec"), "/bin/true"});
  ASSERT_EQ(recorded_.forks.size(), 1u);
  EXPECT_EQ(recorded_.forks[0].kind, BpfSpawnKind::kVfork);
  ASSERT_EQ(recorded_.execs.size(), 2u);
  EXPECT_EQ(recorded_.execs[1].path, std::filesystem::canonical("/bin/true"));
  EXPECT_FALSE(recorded_.execs[1].launch);
}

TEST_F(BpfRecorderTest, CountsInt80CallsAsI386) {
  if (Run({Program("int80_getpid"), "--probe"}) != 0) {
    GTEST_SKIP() << "this kernel has no 32-bit emulation";
  }
  recorded_ = Recorded();
  Run({Program("int80_getpid")});
  EXPECT_EQ(recorded_.total[-20 - 1], 1u) << "i386 getpid is 20";
  EXPECT_EQ(recorded_.total[20], 0u) << "not x86-64 writev";
}

TEST_F(BpfRecorderTest, ReportsEachSyscallsFirstCallOnce) {
  Run({Program("raw_syscalls")});
  std::map<int, int> seen;
  for (const BpfCallEvent& event : recorded_.first_calls) ++seen[event.number];
  EXPECT_EQ(seen[SYS_execve], 1);
  EXPECT_EQ(seen[600], 1);
  for (const auto& [number, times] : seen) EXPECT_EQ(times, 1) << number;
  EXPECT_EQ(seen.size(), [&] {
    size_t n = 0;
    for (const auto& [number, count] : recorded_.total) n += number >= 0 && count > 0;
    return n;
  }());
}

TEST_F(BpfRecorderTest, EpochSwitchFlushesAtTheNextCall) {
  // A loop of getppid calls, a pause while the epoch changes, another loop: the two parts
  // are counted apart.
  recorder_->SetEpoch(0);
  HeldChild child([](HeldChild& self) {
    for (int i = 0; i < 1000; ++i) syscall(SYS_getppid);
    self.Pause();
    self.Step();
    for (int i = 0; i < 500; ++i) syscall(SYS_getppid);
  });
  ASSERT_TRUE(recorder_->Track(child.pid(), child.pid(), /*launching=*/false).ok());
  struct EpochCounts : BpfEventSink {
    void OnCalls(const BpfCalls& calls) override {
      if (calls.number == SYS_getppid) by_epoch[calls.epoch] += calls.count;
    }
    std::map<uint32_t, uint64_t> by_epoch;
  } counts;
  child.Go();
  child.Paused();
  recorder_->SetEpoch(1);
  child.Go();
  int status = 0;
  ASSERT_EQ(waitpid(child.pid(), &status, 0), child.pid());
  ASSERT_TRUE(recorder_->Poll(0, counts).ok());
  EXPECT_EQ(counts.by_epoch[0], 1000u);
  EXPECT_EQ(counts.by_epoch[1], 500u);
}

TEST_F(BpfRecorderTest, ThreadsWhoseSlotIsTakenAreRecordedToo) {
  // The task table is direct-mapped: a thread whose slot holds another thread goes to the
  // overflow hash. A thread id past the kernel's limit (4194304) holds the slot here, so no
  // real process is recorded by it.
  HeldChild child([](HeldChild&) {
    for (int i = 0; i < 300; ++i) syscall(SYS_getppid);
  });
  pid_t squatter = child.pid() + 4 * 1024 * 1024;
  ASSERT_TRUE(recorder_->Track(squatter, squatter, /*launching=*/false).ok());
  ASSERT_TRUE(recorder_->Track(child.pid(), child.pid(), /*launching=*/false).ok());
  EXPECT_EQ(recorder_->TrackedTasks(), 2);
  child.Go();
  int status = 0;
  ASSERT_EQ(waitpid(child.pid(), &status, 0), child.pid());
  ASSERT_TRUE(recorder_->Poll(0, recorded_).ok());
  EXPECT_EQ((recorded_.x86_64[{child.pid(), SYS_getppid}]), 300u);
  EXPECT_EQ(recorder_->TrackedTasks(), 1) << "the exited child left the table";
}

TEST_F(BpfRecorderTest, CountsPastTheWidthOfTheKernelsCounters) {
  // A task's counters are 16 bits wide; each wrap sends a carry of 65536.
  Record(/*launching=*/false, [](HeldChild&) {
    for (int i = 0; i < 140000; ++i) syscall(SYS_getppid);
  });
  EXPECT_EQ(recorded_.total[SYS_getppid], 140000u);
}

// The two bytes at `offset` in the file at `path`.
std::string BytesAt(const std::string& path, uint64_t offset) {
  std::ifstream file(path, std::ios::binary);
  char bytes[2] = {};
  file.seekg(static_cast<std::streamoff>(offset));
  file.read(bytes, 2);
  return file ? std::string(bytes, 2) : "";
}

// site_calls makes 603 from two `syscall` instructions of its own code (twice from the first),
// 604 through libc, clock_gettime through the vDSO's fallback and 605 from anonymous memory.
TEST_F(BpfRecorderTest, SendsEachSiteOnceWithItsFileOffsetAndTheFilesPath) {
  int status = Run({Program("site_calls")});
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  std::string program = std::filesystem::canonical(Program("site_calls"));
  struct stat identity {};
  ASSERT_EQ(stat(program.c_str(), &identity), 0);
  std::map<std::pair<uint64_t, uint64_t>, std::string> paths;
  for (const Recorded::FileName& file : recorded_.file_names) {
    EXPECT_TRUE(paths.try_emplace({file.dev, file.inode}, file.path).second)
        << "sent twice: " << file.path;
  }
  EXPECT_EQ((paths[{identity.st_dev, identity.st_ino}]), program);
  std::set<std::tuple<pid_t, BpfSitePlace, uint64_t, uint64_t, uint64_t, int>> seen;
  std::set<uint64_t> own_sites;
  bool libc = false;
  bool vdso = false;
  bool anonymous = false;
  for (const BpfSite& site : recorded_.sites) {
    EXPECT_EQ(site.tid, root_);
    EXPECT_TRUE(
        seen.emplace(site.tid, site.place, site.dev, site.inode, site.offset, site.number).second)
        << "sent twice: " << site.number << " at " << site.offset;
    if (site.place == BpfSitePlace::kVdso) {
      vdso = vdso || site.number == SYS_clock_gettime;
      continue;
    }
    if (site.place == BpfSitePlace::kAnonymous) {
      anonymous = anonymous || site.number == 605;
      continue;
    }
    // The kernel sent each file's path before its first site.
    auto path = paths.find({site.dev, site.inode});
    ASSERT_NE(path, paths.end()) << site.number;
    EXPECT_EQ(BytesAt(path->second, site.offset), "\x0f\x05")
        << path->second << " at " << site.offset;
    if (site.number == 603) {
      EXPECT_EQ(path->second, program);
      own_sites.insert(site.offset);
    }
    libc = libc || (site.number == 604 && path->second.find("libc.so") != std::string::npos);
  }
  EXPECT_EQ(own_sites.size(), 2u);
  EXPECT_TRUE(libc);
  EXPECT_TRUE(vdso);
  EXPECT_TRUE(anonymous);
  // sysfence's launcher calls nothing but its execve here, which has no site.
  BpfLosses losses = recorder_->Losses();
  EXPECT_EQ(losses.lost_events + losses.malformed_events, 0u);
}

TEST(KernelBtf, KeepsOnlyTheNamedMembersAtTheKernelsOffsets) {
  if (access(kKernelBtfPath, R_OK) != 0) GTEST_SKIP() << "no kernel BTF";
  constexpr KernelField kFields[] = {{"task_struct", "pid"}, {"mm_struct", "exe_file"}};
  Result<std::string> blob = MinimalKernelBtf(kFields);
  ASSERT_TRUE(blob.ok()) << blob.error().message();
  btf* minimal = btf__new(blob->data(), blob->size());
  ASSERT_NE(minimal, nullptr);
  btf* kernel = btf__load_vmlinux_btf();
  ASSERT_NE(kernel, nullptr);
  auto offset_of = [](btf* types, const char* type, const char* member) -> long {
    int id = btf__find_by_name_kind(types, type, BTF_KIND_STRUCT);
    if (id < 0) return -1;
    const btf_type* t = btf__type_by_id(types, id);
    const btf_member* m = btf_members(t);
    for (int i = 0; i < btf_vlen(t); ++i, ++m) {
      if (std::string(btf__name_by_offset(types, m->name_off)) == member) {
        return btf_member_bit_offset(t, i);
      }
      if (m->name_off == 0) {  // exe_file sits in an anonymous struct of mm_struct
        const btf_type* inner = btf__type_by_id(types, m->type);
        const btf_member* n = btf_members(inner);
        for (int j = 0; j < btf_vlen(inner); ++j, ++n) {
          if (std::string(btf__name_by_offset(types, n->name_off)) == member) {
            return btf_member_bit_offset(t, i) + btf_member_bit_offset(inner, j);
          }
        }
      }
    }
    return -1;
  };
  EXPECT_EQ(offset_of(minimal, "task_struct", "pid"), offset_of(kernel, "task_struct", "pid"));
  EXPECT_EQ(offset_of(minimal, "mm_struct", "exe_file"),
            offset_of(kernel, "mm_struct", "exe_file"));
  EXPECT_GT(offset_of(minimal, "task_struct", "pid"), 0);
  EXPECT_LT(btf__type_cnt(minimal), 10u);
  btf__free(kernel);
  btf__free(minimal);
}

TEST(KernelBtf, NamesAMissingStructOrMember) {
  if (access(kKernelBtfPath, R_OK) != 0) GTEST_SKIP() << "no kernel BTF";
  constexpr KernelField kNoStruct[] = {{"no_such_struct_here", "x"}};
  Result<std::string> missing = MinimalKernelBtf(kNoStruct);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("no struct no_such_struct_here"), std::string::npos);
  constexpr KernelField kNoMember[] = {{"task_struct", "no_such_member"}};
  missing = MinimalKernelBtf(kNoMember);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("task_struct has no member no_such_member"),
            std::string::npos);
}

TEST(KernelBtf, RejectsDataThatIsNotBtf) {
  constexpr KernelField kFields[] = {{"task_struct", "pid"}};
  EXPECT_FALSE(MinimalBtfFrom("", kFields).ok());
  EXPECT_FALSE(MinimalBtfFrom(std::string(64, 'x'), kFields).ok());
  std::string truncated = std::string("\x9f\xeb\x01\x00\x18\x00\x00\x00", 8) +
                          std::string("\x00\x00\x00\x00\xff\xff\x00\x00", 8) + std::string(8, '\0');
  EXPECT_FALSE(MinimalBtfFrom(truncated, kFields).ok());
}

}  // namespace
}  // namespace sysfence
