/* The thread-group leader exits (exit, not exit_group) while another thread runs on: the
 * leader stays a zombie until the last thread ends, and the process's exit status is the one
 * that last thread gives to exit_group. The surviving thread waits until the leader is a
 * zombie (reading its state from /proc, no sleeps), forks a child, reaps it and exits 5. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t leader;

static char LeaderState(void) {
  char path[64], buffer[512];
  snprintf(path, sizeof path, "/proc/%d/task/%d/stat", leader, leader);
  FILE* stat = fopen(path, "r");
  if (stat == NULL) return 'X';
  size_t n = fread(buffer, 1, sizeof buffer - 1, stat);
  fclose(stat);
  buffer[n] = '\0';
  char* end = strrchr(buffer, ')');
  return end != NULL && end[1] == ' ' ? end[2] : '?';
}

static void* Survivor(void* unused) {
  (void)unused;
  while (LeaderState() != 'Z' && LeaderState() != 'X') sched_yield();
  pid_t child = fork();
  if (child == 0) _exit(0);
  int status = 0;
  if (child < 0 || waitpid(child, &status, 0) != child || !WIFEXITED(status))
    syscall(SYS_exit_group, 1);
  printf("leader gone, thread carried on\n");
  fflush(stdout);
  syscall(SYS_exit_group, 5);
  return NULL;
}

int main(void) {
  leader = getpid();
  pthread_t thread;
  if (pthread_create(&thread, NULL, Survivor, NULL) != 0) return 1;
  syscall(SYS_exit, 0); /* this thread only */
  return 1;
}
