/* A call made only by a forked child that does not exec (fake number 602, and getppid): it
 * counts for the parent's image. The parent waits, so the set is the same every run. */
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
  fflush(stdout);
  pid_t child = fork();
  if (child < 0) return 1;
  if (child == 0) {
    syscall(602);
    syscall(SYS_getppid);
    _exit(0);
  }
  int status = 0;
  if (waitpid(child, &status, 0) != child) return 1;
  puts("child done");
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
