/* Job control under the tracer: a child stops itself with SIGSTOP; the parent must see it
 * stopped (waitpid WUNTRACED), continue it with SIGCONT, see it continued (WCONTINUED), and
 * see it exit 0. A tracer that swallowed the SIGSTOP, or resumed the stopped child, would make
 * the parent see something else. The child waits on a pipe after continuing, so that its exit
 * cannot overtake the parent's wait for "continued". */
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
  int go[2];
  if (pipe(go) != 0) return 1;
  fflush(stdout);
  pid_t child = fork();
  if (child < 0) return 1;
  if (child == 0) {
    char byte;
    close(go[1]);
    raise(SIGSTOP);
    _exit(read(go[0], &byte, 1) == 1 ? 0 : 1);
  }
  close(go[0]);
  int status = 0;
  if (waitpid(child, &status, WUNTRACED) != child || !WIFSTOPPED(status)) {
    puts("child was not stopped");
    return 1;
  }
  printf("stopped by %s\n", WSTOPSIG(status) == SIGSTOP ? "SIGSTOP" : "another signal");
  kill(child, SIGCONT);
  if (waitpid(child, &status, WCONTINUED) != child || !WIFCONTINUED(status)) {
    puts("child was not continued");
    return 1;
  }
  puts("continued");
  if (write(go[1], "g", 1) != 1) return 1;
  if (waitpid(child, &status, 0) != child || !WIFEXITED(status)) return 1;
  puts("exited");
  return WEXITSTATUS(status);
}
