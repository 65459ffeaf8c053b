/* A program with a start-up and a working phase, for `sysfence run --phased`
 * (tests/run_phased_test.cc). Its arguments are steps, run in order:
 *   uid    getuid(), the call only start-up needs; prints "uid ret=R errno=E"
 *   work   the phase trigger: openat of /nonexistent/sysfence-phased-work; prints "work"
 *   ppid   getppid(), a working-phase call
 *   fork   starts a child that runs the steps up to "join" and exits; the parent skips them,
 *          waits and prints "child exit N" or "child signal N"
 * Built static, so its start-up calls are libc's fixed sequence and no loader runs. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void say(const char* text) { syscall(SYS_write, 1, text, strlen(text)); }

int main(int argc, char** argv) {
  char line[96];
  for (int i = 1; i < argc; ++i) {
    const char* step = argv[i];
    if (strcmp(step, "uid") == 0) {
      long ret = syscall(SYS_getuid);
      snprintf(line, sizeof line, "uid ret=%ld errno=%d\n", ret < 0 ? -1 : ret,
               ret < 0 ? errno : 0);
      say(line);
    } else if (strcmp(step, "work") == 0) {
      syscall(SYS_openat, AT_FDCWD, "/nonexistent/sysfence-phased-work", O_RDONLY);
      say("work\n");
    } else if (strcmp(step, "ppid") == 0) {
      syscall(SYS_getppid);
    } else if (strcmp(step, "fork") == 0) {
      long child = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
      if (child == 0) continue; /* the child runs the steps up to "join" */
      while (i < argc && strcmp(argv[i], "join") != 0) ++i;
      int status = 0;
      syscall(SYS_wait4, child, &status, 0, 0);
      if (WIFSIGNALED(status)) {
        snprintf(line, sizeof line, "child signal %d\n", WTERMSIG(status));
      } else {
        snprintf(line, sizeof line, "child exit %d\n", WEXITSTATUS(status));
      }
      say(line);
    } else if (strcmp(step, "join") == 0) {
      syscall(SYS_exit_group, 0); /* only a child gets here */
    }
  }
  syscall(SYS_exit_group, 0);
  return 0;
}
