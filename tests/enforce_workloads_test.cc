// Enforcement end to end, on the study's programs: a profile traced from diff on several
// workloads, enforced with `sysfence run --action kill` (argument rules included), lets diff
// do every workload again with the same exit status and output; a profile traced from the SSH
// client against a loopback sshd lets the client log in and run a command again.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/loopback.h"
#include "base/unique_fd.h"
#include "test_util.h"
#include "traced_profile.h"

namespace sysfence::testing {
namespace {

CommandResult Enforced(const std::string& profile, const std::vector<std::string>& argv,
                       const std::string& input = "") {
  std::vector<std::string> command = {SysfenceBinary(), "run",  "--profile", profile,
                                      "--action",       "kill", "--"};
  command.insert(command.end(), argv.begin(), argv.end());
  return RunCommand(command, 120, input);
}

TEST(EnforcedDiff, EveryTracedWorkloadRunsAgainWithTheSameResult) {
  ScratchDir dir;
  WriteWholeFile(dir.File("a.txt"), "alpha\nbeta\ngamma\ndelta\n");
  WriteWholeFile(dir.File("b.txt"), "alpha\nBETA\ngamma\ndelta\nepsilon\n");
  WriteWholeFile(dir.File("bin1"), std::string("\x7f\x45\x4c\x46\x00\x01", 6));
  WriteWholeFile(dir.File("bin2"), std::string("\x7f\x45\x4c\x46\x00\x02", 6));
  ASSERT_EQ(RunShell("cd " + dir.path() +
                     " && mkdir -p x/sub y/sub && echo same > x/s && echo same > y/s && "
                     "echo one > x/sub/f && echo two > y/sub/f && echo only > x/only")
                .exit_code,
            0);
  struct Workload {
    std::vector<std::string> argv;
    std::string input;
  };
  std::vector<Workload> workloads = {
      {{"diff", dir.File("a.txt"), dir.File("a.txt")}, ""},
      {{"diff", dir.File("a.txt"), dir.File("b.txt")}, ""},
      {{"diff", "-u", dir.File("a.txt"), dir.File("b.txt")}, ""},
      {{"diff", "-y", "-W", "60", dir.File("a.txt"), dir.File("b.txt")}, ""},
      {{"diff", "-r", dir.File("x"), dir.File("y")}, ""},
      {{"diff", "-q", dir.File("bin1"), dir.File("bin2")}, ""},
      {{"diff", dir.File("a.txt"), dir.File("missing.txt")}, ""},
      {{"diff", "-", dir.File("a.txt")}, "alpha\nbeta\n"},
  };
  TracedProfile profile(dir.File("diff.json"), "/usr/bin/diff");
  for (const Workload& w : workloads) profile.Trace(w.argv, w.input);
  profile.Write();
  ASSERT_TRUE(profile.Contains("openat"));
  ASSERT_FALSE(profile.Contains("socket"));
  ASSERT_TRUE(profile.HasArguments()) << "enforced with argument rules";

  std::set<int> statuses;
  for (const Workload& w : workloads) {
    CommandResult plain = RunCommand(w.argv, 60, w.input);
    CommandResult enforced = Enforced(profile.path(), w.argv, w.input);
    std::string what = w.argv[1] + " " + w.argv.back();
    EXPECT_EQ(enforced.exit_code, plain.exit_code) << what << "\n" << enforced.err;
    EXPECT_EQ(enforced.out, plain.out) << what;
    EXPECT_EQ(enforced.err, plain.err) << what;
    statuses.insert(plain.exit_code);
  }
  EXPECT_EQ(statuses, (std::set<int>{0, 1, 2}));  // same, different, trouble

  // Not a vacuous pass: without a call diff needs, the same run is killed.
  profile.Remove("newfstatat");
  profile.Write();
  EXPECT_EQ(Enforced(profile.path(), workloads[1].argv).exit_code, 128 + SIGSYS);
}

// A process started in the background and killed (with its process group) at scope exit.
class BackgroundProcess {
 public:
  explicit BackgroundProcess(const std::vector<std::string>& argv, const std::string& log) {
    pid_ = fork();
    if (pid_ == 0) {
      setpgid(0, 0);
      UniqueFd out(creat(log.c_str(), 0644));
      dup2(out.get(), 1);
      dup2(out.get(), 2);
      std::vector<char*> args;
      args.reserve(argv.size() + 1);
      for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
  }
  ~BackgroundProcess() {
    if (pid_ <= 0) return;
    kill(-pid_, SIGTERM);
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;
  bool Running() const { return pid_ > 0 && waitpid(pid_, nullptr, WNOHANG) == 0; }

 private:
  pid_t pid_ = -1;
};

TEST(EnforcedSsh, ClientLogsInAndRunsACommandUnderItsProfile) {
  if (geteuid() != 0) GTEST_SKIP() << "the loopback sshd needs root";
  if (!FileExists("/usr/sbin/sshd") || RunShell("command -v ssh ssh-keygen").exit_code != 0) {
    GTEST_SKIP() << "openssh-server / openssh-client are not installed";
  }
  ScratchDir dir;
  ASSERT_EQ(RunShell("cd " + dir.path() + " && ssh-keygen -q -t ed25519 -N '' -f hostkey && " +
                     "ssh-keygen -q -t ed25519 -N '' -f userkey && cp userkey.pub authorized_keys")
                .exit_code,
            0);
  Result<std::vector<int>> ports = FreeLoopbackPorts(1);
  ASSERT_TRUE(ports.ok()) << ports.error().message();
  int port = ports->front();
  WriteWholeFile(dir.File("sshd_config"),
                 "ListenAddress 127.0.0.1\nAuthorizedKeysFile " + dir.File("authorized_keys") +
                     "\nPermitRootLogin prohibit-password\nPasswordAuthentication no\n"
                     "KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\nPidFile " +
                     dir.File("sshd.pid") + "\n");
  // sshd refuses to start without its privilege separation directory.
  RunShell("mkdir -p /run/sshd && chmod 755 /run/sshd");
  BackgroundProcess sshd({"/usr/sbin/sshd", "-D", "-e", "-p", std::to_string(port), "-f",
                          dir.File("sshd_config"), "-h", dir.File("hostkey")},
                         dir.File("sshd.log"));
  // Bounded wait for the listening socket (at most 10 s, usually a few ms).
  for (int i = 0; i < 200 && sshd.Running() && !AcceptsOnLoopback(port); ++i) usleep(50000);
  if (!sshd.Running() || !AcceptsOnLoopback(port)) {
    GTEST_SKIP() << "sshd could not start: " << ReadWholeFile(dir.File("sshd.log"));
  }

  std::vector<std::string> ssh = {"ssh",
                                  "-F",
                                  "/dev/null",
                                  "-p",
                                  std::to_string(port),
                                  "-i",
                                  dir.File("userkey"),
                                  "-o",
                                  "StrictHostKeyChecking=no",
                                  "-o",
                                  "UserKnownHostsFile=/dev/null",
                                  "-o",
                                  "BatchMode=yes",
                                  "-o",
                                  "LogLevel=ERROR",
                                  "root@127.0.0.1",
                                  "echo",
                                  "hi"};
  CommandResult plain = RunCommand(ssh, 60);
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  ASSERT_EQ(plain.out, "hi\n");

  TracedProfile profile(dir.File("ssh.json"), "/usr/bin/ssh");
  EXPECT_EQ(profile.Trace(ssh), 0);
  EXPECT_EQ(profile.Trace(ssh), 0);
  profile.Write();
  ASSERT_TRUE(profile.Contains("connect"));
  ASSERT_TRUE(profile.HasArguments()) << "enforced with argument rules";

  for (int i = 0; i < 2; ++i) {
    CommandResult enforced = Enforced(profile.path(), ssh);
    EXPECT_EQ(enforced.exit_code, 0) << enforced.err;
    EXPECT_EQ(enforced.out, "hi\n");
  }
  profile.Remove("connect");
  profile.Write();
  EXPECT_EQ(Enforced(profile.path(), ssh).exit_code, 128 + SIGSYS);
}

}  // namespace
}  // namespace sysfence::testing
