/* A traced process stops itself with SIGSTOP and must stay stopped until someone outside
 * sends SIGCONT (a tracer must not resume it on its own).
 *
 * The process that stops is a child, so that its parent can say when the stop has really
 * happened: a test that only saw the process in some ptrace stop could send its SIGCONT
 * before the SIGSTOP (for instance while the child sits in the stop of its own kill call),
 * and then the child would rightly stay stopped for ever. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
  pid_t child = fork();
  if (child < 0) {
    perror("fork");
    return 1;
  }
  if (child == 0) {
    raise(SIGSTOP);
    puts("continued");
    return 0;
  }
  int status = 0;
  if (waitpid(child, &status, WUNTRACED) != child || !WIFSTOPPED(status)) {
    fprintf(stderr, "stop_self: the child did not stop (status %#x)\n", status);
    return 1;
  }
  printf("stopped %d\n", child);
  fflush(stdout);
  if (waitpid(child, &status, 0) != child) {
    perror("waitpid");
    return 1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
