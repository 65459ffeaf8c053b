/* Makes fake call 603, then execs the program named by argv[1] (with the remaining arguments):
 * the profile must show 603 and the execve under this image, and the other program's calls
 * under its own. */
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char** environ;

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: exec_other PROGRAM [ARG...]\n");
    return 2;
  }
  syscall(603);
  execve(argv[1], argv + 1, environ);
  perror("execve");
  return 1;
}
