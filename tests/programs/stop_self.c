/* The traced command itself stops with SIGSTOP and stays stopped until someone outside sends
 * SIGCONT (a tracer must not resume it on its own). It prints its pid before stopping, so
 * that the test knows whom to watch and continue. */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

int main(void) {
  printf("stopping %d\n", getpid());
  fflush(stdout);
  raise(SIGSTOP);
  puts("continued");
  return 0;
}
