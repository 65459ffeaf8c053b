/* Calls of the argument table with known values, for the tests of argument recording and of
 * argument rules. Without an operand it makes the "usual" calls and prints "usual done":
 *   socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC), socket(AF_UNIX, SOCK_DGRAM),
 *   ioctl(0, TCGETS), fcntl(F_GETFL), prctl(PR_GET_DUMPABLE),
 *   mmap(PROT_READ|PROT_WRITE), mprotect(PROT_READ), madvise(MADV_DONTNEED), kill(self, 0).
 * With an operand it then makes one more call, the kind an argument rule should refuse, and
 * prints its result ("netlink 0", or "netlink -1 EPERM" when a filter refused it):
 *   netlink  socket(AF_NETLINK, SOCK_RAW)     packet  socket(AF_PACKET, SOCK_RAW)
 *   tiocsti  ioctl(0, TIOCSTI, "x")           exec    mprotect(PROT_READ|PROT_EXEC)
 *   newuser  clone(CLONE_NEWUSER|SIGCHLD)     fork    fork() and a thread-like clone(CLONE_VM) */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static void report(const char* what, long result) {
  if (result < 0) {
    printf("%s -1 %s\n", what, strerrorname_np(errno));
  } else {
    printf("%s 0\n", what);
  }
  fflush(stdout);
}

static int child_stack_entry(void* unused) {
  (void)unused;
  return 0;
}

int main(int argc, char** argv) {
  int inet = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int unix_socket = socket(AF_UNIX, SOCK_DGRAM, 0);
  struct termios tio;
  ioctl(0, TCGETS, &tio);
  fcntl(1, F_GETFL);
  prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
  char* page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  mprotect(page, 4096, PROT_READ);
  madvise(page, 4096, MADV_DONTNEED);
  kill(getpid(), 0);
  if (inet >= 0) close(inet);
  if (unix_socket >= 0) close(unix_socket);
  printf("usual done\n");
  fflush(stdout);
  if (argc < 2) return 0;
  const char* what = argv[1];
  long result = 0;
  if (strcmp(what, "netlink") == 0) {
    result = socket(AF_NETLINK, SOCK_RAW, 0);
  } else if (strcmp(what, "packet") == 0) {
    result = socket(AF_PACKET, SOCK_RAW, 0);
  } else if (strcmp(what, "tiocsti") == 0) {
    char c = 'x';
    result = ioctl(0, TIOCSTI, &c); /* not a terminal: ENOTTY, but the call was let through */
  } else if (strcmp(what, "exec") == 0) {
    result = mprotect(page, 4096, PROT_READ | PROT_EXEC);
  } else if (strcmp(what, "newuser") == 0) {
    static char stack[16384];
    result = clone(child_stack_entry, stack + sizeof stack, CLONE_NEWUSER | SIGCHLD, NULL);
    if (result > 0) waitpid((pid_t)result, NULL, 0);
  } else if (strcmp(what, "fork") == 0) {
    pid_t child = fork();
    if (child == 0) _exit(0);
    if (child > 0) waitpid(child, NULL, 0);
    static char stack[16384];
    result = clone(child_stack_entry, stack + sizeof stack, CLONE_VM | SIGCHLD, NULL);
    if (result > 0) waitpid((pid_t)result, NULL, 0);
    if (child < 0) result = -1;
  } else {
    fprintf(stderr, "argument_calls: unknown call '%s'\n", what);
    return 2;
  }
  report(what, result);
  return 0;
}
