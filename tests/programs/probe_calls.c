/* Makes the system calls its command line asks for and prints what each returned, so tests
 * can see what a seccomp filter did with them. Every mode first prints a banner with write(),
 * so a profile traced from `probe_calls` alone covers start-up, the banner and exit.
 *   probe_calls                 banner only
 *   probe_calls NR...           syscall(NR) for each number: "NR ret=R errno=E"
 *   probe_calls exec PATH       execve(PATH); prints "exec errno=E" if it returns
 *   probe_calls i386 NR         NR through int 0x80 (the i386 ABI): "i386 NR ret=R"
 *   probe_calls exit N          exits with status N
 *   probe_calls signal N        raises signal N */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static long Int80(long nr) {
  long ret;
  __asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr) : "memory", "r8", "r9", "r10", "r11");
  return (int)ret;
}

int main(int argc, char** argv) {
  dprintf(1, "probe_calls: start\n");
  if (argc == 3 && strcmp(argv[1], "exec") == 0) {
    char* const args[] = {argv[2], NULL};
    execve(argv[2], args, NULL);
    dprintf(1, "exec errno=%d\n", errno);
    return 0;
  }
  if (argc == 3 && strcmp(argv[1], "i386") == 0) {
    long nr = strtol(argv[2], NULL, 0);
    dprintf(1, "i386 %ld ret=%ld\n", nr, Int80(nr));
    return 0;
  }
  if (argc == 3 && strcmp(argv[1], "exit") == 0) return atoi(argv[2]);
  if (argc == 3 && strcmp(argv[1], "signal") == 0) {
    raise(atoi(argv[2]));
    return 0;
  }
  for (int i = 1; i < argc; ++i) {
    long nr = strtol(argv[i], NULL, 0);
    errno = 0;
    long ret = syscall(nr, 0, 0, 0, 0, 0, 0);
    dprintf(1, "%ld ret=%ld errno=%d\n", nr, ret, ret == -1 ? errno : 0);
  }
  return 0;
}
