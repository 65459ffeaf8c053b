/* A fork bomb bounded by RLIMIT_NPROC: forks until fork fails, then releases and reaps every
 * child and prints how many it made. The kernel does not enforce RLIMIT_NPROC for root (nor
 * for CAP_SYS_RESOURCE), so when run as root the program first becomes a user id no other
 * process has (1000000 + its pid): the count of that user's processes then starts at one, and
 * exactly limit - 1 forks succeed. Exits 77 when not root (the count would depend on the
 * user's other processes). Usage: fork_bomb LIMIT */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  if (getuid() != 0) return 77;
  rlim_t limit = (rlim_t)strtoul(argv[1], NULL, 10);
  uid_t fresh = (uid_t)(1000000 + getpid());
  struct rlimit bound = {limit, limit};
  if (setrlimit(RLIMIT_NPROC, &bound) != 0 || setgroups(0, NULL) != 0 || setgid(fresh) != 0 ||
      setuid(fresh) != 0) {
    perror("dropping root");
    return 1;
  }
  int release[2];
  if (pipe(release) != 0) return 1;
  int children = 0;
  for (;;) {
    pid_t child = fork();
    if (child == 0) {
      char byte;
      close(release[1]);
      _exit(read(release[0], &byte, 1) == 0 ? 0 : 1); /* end of file: released */
    }
    if (child < 0) break;
    ++children;
  }
  int fork_error = errno;
  close(release[1]);
  int reaped = 0, status = 0;
  while (wait(&status) > 0) reaped += WIFEXITED(status) && WEXITSTATUS(status) == 0;
  printf("forked %d, then %s; reaped %d\n", children, strerrorname_np(fork_error), reaped);
  return 0;
}
