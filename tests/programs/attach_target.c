/* A long-running process to attach to (`sysfence trace --pid`). Prints "ready", then every
 * 10 ms calls getppid() and sleeps. SIGUSR1: it forks a child that execs /bin/true (a process
 * started after the attach), waits for it and from then on also calls sched_yield() in
 * its loop (a call it never made before); it prints "spawned" after the first such loop. SIGTERM:
 * it prints "exiting" and exits 0, which shows that it ran on unharmed after sysfence let it go. */
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t spawn_requested = 0;
static volatile sig_atomic_t exit_requested = 0;

static void OnUsr1(int signal) {
  (void)signal;
  spawn_requested = 1;
}

static void OnTerm(int signal) {
  (void)signal;
  exit_requested = 1;
}

static void Say(const char* text) {
  ssize_t ignored = write(1, text, strlen(text));
  (void)ignored;
}

int main(void) {
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = OnUsr1;
  sigaction(SIGUSR1, &action, NULL);
  action.sa_handler = OnTerm;
  sigaction(SIGTERM, &action, NULL);
  Say("ready\n");
  int spawned = 0;
  while (!exit_requested) {
    if (spawn_requested && !spawned) {
      pid_t child = fork();
      if (child == 0) {
        execl("/bin/true", "true", (char*)NULL);
        _exit(127);
      }
      int status = 0;
      while (waitpid(child, &status, 0) < 0) {
      }
      spawned = 1;
    }
    getppid();
    if (spawned) sched_yield();
    struct timespec pause = {0, 10 * 1000 * 1000};
    nanosleep(&pause, NULL);
    /* Said after a whole loop with the new call, so that whoever reads it knows all of them
     * were made. */
    if (spawned == 1) {
      spawned = 2;
      Say("spawned\n");
    }
  }
  Say("exiting\n");
  return 0;
}
