/* Installs a SIGUSR1 handler and raises SIGUSR1: the handler's output proves the tracer
 * delivered the signal (and rt_sigreturn is then called). Exits 0 only if the handler ran. */
#include <signal.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t handled = 0;

static void OnUsr1(int signal) {
  (void)signal;
  handled = 1;
  static const char kMessage[] = "handled SIGUSR1\n";
  ssize_t ignored = write(1, kMessage, sizeof kMessage - 1);
  (void)ignored;
}

int main(void) {
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = OnUsr1;
  sigaction(SIGUSR1, &action, NULL);
  raise(SIGUSR1);
  return handled ? 0 : 1;
}
