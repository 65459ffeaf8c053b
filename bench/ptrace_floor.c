// The least a one-stop ptrace tracer can do per system call, as a baseline for
// bench/trace_bench.sh: a seccomp filter returns SECCOMP_RET_TRACE for every call (as
// sysfence trace's does), and the tracer only waits for each stop and resumes it: no reading
// of the call, no counting, no attribution. It follows forks and threads and passes signals on.
// Whatever a tracer built this way does, it cannot be faster than this on the same machine.
//
//   ptrace_floor CMD [ARG...]
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void InstallTraceEverythingFilter(void) {
  struct sock_filter code[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE)};
  struct sock_fprog program = {.len = 1, .filter = code};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
      syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program) != 0) {
    perror("ptrace_floor: seccomp");
    _exit(126);
  }
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: ptrace_floor CMD [ARG...]\n");
    return 2;
  }
  pid_t child = fork();
  if (child < 0) {
    perror("ptrace_floor: fork");
    return 2;
  }
  if (child == 0) {
    if (ptrace(PTRACE_TRACEME, 0, 0, 0) != 0) _exit(126);
    raise(SIGSTOP);  // the tracer sets its options meanwhile
    InstallTraceEverythingFilter();
    execvp(argv[1], argv + 1);
    _exit(127);
  }
  int status = 0;
  if (waitpid(child, &status, 0) != child || !WIFSTOPPED(status)) return 2;
  long options = PTRACE_O_TRACESECCOMP | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
                 PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL;
  if (ptrace(PTRACE_SETOPTIONS, child, 0, options) != 0) return 2;
  ptrace(PTRACE_CONT, child, 0, 0);
  int exit_status = 0;
  for (;;) {
    pid_t pid = wait4(-1, &status, __WALL, NULL);
    if (pid < 0) {
      if (errno == EINTR) continue;
      break;  // ECHILD: every tracee is gone
    }
    if (WIFEXITED(status) || WIFSIGNALED(status)) {
      if (pid == child)
        exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      continue;
    }
    int signal = WSTOPSIG(status);
    // Event stops (seccomp, fork, exec...) and a new thread's first SIGSTOP are resumed
    // without a signal; any other stop is a signal for the tracee.
    int deliver = (status >> 16) != 0 || signal == SIGTRAP || signal == SIGSTOP ? 0 : signal;
    ptrace(PTRACE_CONT, pid, 0, deliver);
  }
  return exit_status;
}
