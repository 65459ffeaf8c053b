/* Argument values that reach their syscalls through wrappers, for the static analysis' value
 * sets (tests/static_analysis_test.cc):
 *   socket's family and type from callers one and two levels above socket():
 *     socket(AF_INET6, SOCK_STREAM), socket(AF_UNIX, SOCK_STREAM);
 *   ioctl(0, TCGETS) through glibc's ioctl, and tcsetattr(0, TCSADRAIN) (whose request glibc
 *   computes: the analysis knows it is one of TCGETS and the TCSETS requests);
 *   prctl(PR_GET_NO_NEW_PRIVS) through glibc's syscall();
 *   madvise with an advice read from the command line (none known statically: any value).
 * Prints "wrapped done". */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

__attribute__((noinline, noclone)) static int open_socket(int family, int type) {
  return socket(family, type, 0);
}

__attribute__((noinline, noclone)) static int open_stream(int family) {
  return open_socket(family, SOCK_STREAM);
}

int main(int argc, char** argv) {
  int inet6 = open_stream(AF_INET6);
  int local = open_stream(AF_UNIX);
  struct termios tio;
  if (ioctl(0, TCGETS, &tio) == 0) tcsetattr(0, TCSADRAIN, &tio); /* the same settings back */
  syscall(SYS_prctl, PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
  char* page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (page != MAP_FAILED) madvise(page, 4096, argc > 1 ? atoi(argv[1]) : MADV_NORMAL);
  if (inet6 >= 0) close(inet6);
  if (local >= 0) close(local);
  printf("wrapped done\n");
  return 0;
}
