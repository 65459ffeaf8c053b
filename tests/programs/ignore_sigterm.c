/* Ignores SIGTERM. Default mode: sends itself SIGTERM and carries on (a tracer must pass the
 * signal on, and the kernel then drops it). `--wait` mode: ignores SIGINT too, forks a child,
 * both print "ready" and sleep until killed, so neither a SIGTERM nor a Ctrl-C to the whole
 * process group ends them, only a SIGKILL (the test of sysfence's own signal handling). */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char** argv) {
  signal(SIGTERM, SIG_IGN);
  if (argc > 1 && strcmp(argv[1], "--wait") == 0) {
    signal(SIGINT, SIG_IGN);
    fflush(stdout);
    pid_t child = fork();
    if (child < 0) return 1;
    printf("ready %s %d\n", child == 0 ? "child" : "parent", (int)getpid());
    fflush(stdout);
    for (;;) pause();
  }
  kill(getpid(), SIGTERM);
  puts("survived SIGTERM");
  return 0;
}
