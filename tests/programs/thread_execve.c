/* A thread that is not the thread-group leader calls execve while the leader and another
 * thread are blocked: the kernel kills the other threads and the execing thread takes over the
 * process id (a tracer sees its old thread id vanish without a death report). The new image is
 * this program again with "--after-exec", which prints a line and exits 7. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "block_forever.h"

static char* self_path;

static void* Exec(void* unused) {
  char* args[] = {self_path, "--after-exec", NULL};
  (void)unused;
  execv(self_path, args);
  _exit(1);
}

int main(int argc, char** argv) {
  if (argc > 1 && strcmp(argv[1], "--after-exec") == 0) {
    printf("exec from a thread: pid %d\n", getpid() == gettid() ? 1 : 0);
    return 7;
  }
  self_path = argv[0];
  if (MakeNeverWritten() != 0) return 1;
  pthread_t blocked, execing;
  if (pthread_create(&blocked, NULL, BlockForever, NULL) != 0) return 1;
  if (pthread_create(&execing, NULL, Exec, NULL) != 0) return 1;
  BlockForever(NULL); /* the leader blocks too; only the exec ends it */
  return 1;
}
