/* vfork, then the child execs argv[1]: the child shares the parent's memory until its execve,
 * which counts for this image; the program it runs gets its own image. */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: vfork_exec PROGRAM [ARG...]\n");
    return 2;
  }
  fflush(stdout);
  pid_t child = vfork();
  if (child < 0) return 1;
  if (child == 0) {
    execve(argv[1], argv + 1, environ);
    _exit(127);
  }
  int status = 0;
  if (waitpid(child, &status, 0) != child) return 1;
  printf("child exited %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
