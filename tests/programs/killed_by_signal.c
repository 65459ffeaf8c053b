/* Kills itself with the signal numbered argv[1] (default SIGUSR2, whose default action ends
 * the process without a core file): sysfence must exit with 128+N, like strace. */
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char** argv) {
  int signal = argc > 1 ? atoi(argv[1]) : SIGUSR2;
  kill(getpid(), signal);
  return 0; /* not reached for a signal that ends the process */
}
