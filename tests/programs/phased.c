/* A program with known phases: each stage makes its own raw system calls (through syscall(),
 * so libc adds none), and each stage begins with the event that a `--phase` trigger of
 * tests/phases_test.cc waits for:
 *   b: syscall getuid           c: openat of /nonexistent/sysfence-phase-c
 *   d: write on fd 2            e: socket(AF_INET6)
 *   f: SIGUSR1 delivered        g: read from a pipe
 *   h: (child process only) getpriority
 * Built static, so its start-up calls are libc's fixed sequence and no loader runs. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static void on_usr1(int sig) { (void)sig; }

int main(void) {
  struct sigaction action = {0};
  action.sa_handler = on_usr1;
  sigaction(SIGUSR1, &action, 0);
  syscall(SYS_getppid); /* a */
  syscall(SYS_getuid);  /* b */
  syscall(SYS_getgid);
  syscall(SYS_openat, AT_FDCWD, "/nonexistent/sysfence-phase-c", O_RDONLY); /* c */
  syscall(SYS_geteuid);
  syscall(SYS_write, 2, "", 0); /* d */
  syscall(SYS_getegid);
  syscall(SYS_socket, AF_INET6, SOCK_DGRAM, 0); /* e */
  long self = syscall(SYS_getpid);
  syscall(SYS_kill, self, SIGUSR1); /* f: delivered on return */
  syscall(SYS_getsid, 0);
  int fds[2];
  syscall(SYS_pipe2, fds, 0);
  char byte = 'x';
  syscall(SYS_write, fds[1], &byte, 1);
  syscall(SYS_read, fds[0], &byte, 1); /* g */
  syscall(SYS_sched_yield);
  long child = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
  if (child == 0) {
    syscall(SYS_getpriority, 0, 0); /* h, this process only */
    syscall(SYS_alarm, 0);
    syscall(SYS_exit_group, 0);
  }
  syscall(SYS_wait4, -1, 0, 0, 0);
  syscall(SYS_exit_group, 0);
  return 0;
}
