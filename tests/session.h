// A command (usually sysfence) started in a session of its own with its standard output on a
// pipe, for tests that talk to it while it runs; and the check that a run left no process
// behind.
//
//   BecomeSubreaper();                    // orphans of the run are reparented to the test
//   Session session({SysfenceBinary(), "trace", "--", ...}, dir.File("stderr"));
//   std::string line = session.ReadLine();
//   kill(session.pid(), SIGTERM);
//   EXPECT_EQ(session.Wait(), 128 + SIGTERM);
//   EXPECT_EQ(ReapLeftovers(), "");       // nothing survived, nothing stopped
#ifndef SYSFENCE_TESTS_SESSION_H_
#define SYSFENCE_TESTS_SESSION_H_

#include <stdio.h>
#include <sys/types.h>

#include <string>
#include <vector>

namespace sysfence::testing {

class Session {
 public:
  // Standard error goes to `error_file`.
  Session(const std::vector<std::string>& argv, const std::string& error_file);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  pid_t pid() const { return pid_; }
  // The next line of output ("" at end of file).
  std::string ReadLine();
  // True when output is waiting to be read (without blocking).
  bool HasOutput() const;
  // Exit code, or 128+N when killed by signal N.
  int Wait();
  // Processes whose session is this one's (the command's pid is the session id); zombies too
  // unless `alive_only`.
  std::vector<pid_t> Members(bool alive_only = false) const;

 private:
  pid_t pid_ = -1;
  FILE* output_ = nullptr;
  bool reaped_ = false;
};

// Makes the calling process the reaper of its orphaned descendants (PR_SET_CHILD_SUBREAPER):
// whatever a run leaves behind is reparented here when the run's own process exits.
void BecomeSubreaper();

// Finds the processes reparented to this one, kills and reaps them, and describes each as
// "pid (name) state" on a line of its own: "" when the runs so far left nothing behind.
// Call it after the runs' own processes have been waited for.
std::string ReapLeftovers();

// The state letter of a process from /proc/PID/stat ('R', 'S', 'T', 't', 'Z'...), or 0 when
// it is gone.
char ProcessState(pid_t pid);

}  // namespace sysfence::testing

#endif  // SYSFENCE_TESTS_SESSION_H_
