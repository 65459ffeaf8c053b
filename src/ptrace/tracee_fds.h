// What a tracee's file descriptors refer to, from /proc/PID/fd: lets an observer turn the fd
// argument of a read/write/connect into a path, a socket or a pipe.
//
//   Result<std::string> what = TraceeFdTarget(stop.pid, static_cast<int>(stop.args[0]));
//   // "/etc/passwd", "socket:[12345]", "pipe:[678]", "/dev/pts/0"
#ifndef SYSFENCE_PTRACE_TRACEE_FDS_H_
#define SYSFENCE_PTRACE_TRACEE_FDS_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "base/result.h"

namespace sysfence {

struct TraceeFd {
  int fd = -1;
  std::string target;  // the /proc/PID/fd/N link: a path, "socket:[inode]", "pipe:[inode]"...
};

// The target of one descriptor of process (or thread) `pid`.
Result<std::string> TraceeFdTarget(pid_t pid, int fd);

// Every open descriptor of `pid`, in ascending order.
Result<std::vector<TraceeFd>> ListTraceeFds(pid_t pid);

}  // namespace sysfence

#endif  // SYSFENCE_PTRACE_TRACEE_FDS_H_
