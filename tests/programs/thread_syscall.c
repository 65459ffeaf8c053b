/* A call made only from a second thread (fake number 601 and sysinfo), to pin down that
 * clone()d threads are traced. The main thread's futex call is made explicitly so that the set
 * does not depend on whether pthread_join had to wait. */
#include <linux/futex.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <unistd.h>

static void* Worker(void* arg) {
  (void)arg;
  struct sysinfo info;
  syscall(601);
  syscall(SYS_sysinfo, &info);
  return NULL;
}

int main(void) {
  pthread_t thread;
  if (pthread_create(&thread, NULL, Worker, NULL) != 0) return 1;
  int word = 0;
  syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
  pthread_join(thread, NULL);
  puts("thread done");
  return 0;
}
