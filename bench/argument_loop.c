/* Makes argv[1] (default 100000) rounds of three calls the argument table checks: ioctl(TCGETS)
 * on /dev/null (ENOTTY), fcntl(F_GETFD) and mprotect(PROT_READ|PROT_WRITE) of one page: what a
 * filter with argument rules costs per checked call, for bench/argument_rules_bench.sh. */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <termios.h>
#include <unistd.h>

int main(int argc, char** argv) {
  long rounds = argc > 1 ? atol(argv[1]) : 100000;
  int fd = open("/dev/null", O_RDONLY);
  char* page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (fd < 0 || page == MAP_FAILED) return 1;
  struct termios tio;
  for (long i = 0; i < rounds; ++i) {
    ioctl(fd, TCGETS, &tio);
    fcntl(fd, F_GETFD);
    mprotect(page, 4096, PROT_READ | PROT_WRITE);
  }
  return 0;
}
