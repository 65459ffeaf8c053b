/* A child that keeps making system calls while a test sends it SIGSTOP and SIGCONT in quick
 * succession, so that the signals land in every kind of stop the tracer handles (syscall
 * stops, signal-delivery stops, group-stops before and after PTRACE_LISTEN). The last signal
 * is a SIGCONT, so without a tracer the child ends up running; it then stops when it gets
 * SIGUSR1 and prints "done". The parent only waits and passes on the child's status. */
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t done;

static void OnUsr1(int signal) {
  (void)signal;
  done = 1;
}

int main(void) {
  fflush(stdout);
  pid_t child = fork();
  if (child < 0) {
    perror("fork");
    return 1;
  }
  if (child == 0) {
    struct sigaction action = {0};
    action.sa_handler = OnUsr1;
    if (sigaction(SIGUSR1, &action, NULL) != 0) return 1;
    printf("busy %d\n", getpid());
    fflush(stdout);
    unsigned long calls = 0;
    while (!done) {
      syscall(SYS_getppid);
      ++calls;
    }
    printf("done after %s calls\n", calls > 0 ? "some" : "no");
    return 0;
  }
  int status = 0;
  if (waitpid(child, &status, 0) != child) {
    perror("waitpid");
    return 1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
