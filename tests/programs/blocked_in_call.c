/* Stays blocked inside system calls until killed: a thread and, after printing "ready <pid>",
 * the main thread, both in read(2) on a pipe nobody writes. A
 * forked child blocks reading a pipe only the parent can write, so when the parent is
 * SIGKILLed the child sees end of file and exits 0 on its own. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include "block_forever.h"

int main(void) {
  int parent_alive[2];
  if (MakeNeverWritten() != 0 || pipe(parent_alive) != 0) return 1;
  fflush(stdout);
  pid_t child = fork();
  if (child < 0) return 1;
  if (child == 0) {
    char byte;
    close(parent_alive[1]);
    close(never_written[1]);
    _exit(read(parent_alive[0], &byte, 1) == 0 ? 0 : 1);
  }
  close(parent_alive[0]);
  pthread_t thread;
  if (pthread_create(&thread, NULL, BlockForever, NULL) != 0) return 1;
  printf("ready %d\n", getpid());
  fflush(stdout);
  BlockForever(NULL);
  return 1;
}
