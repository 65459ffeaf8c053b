/* A syscall site in each kind of place, for the tests of the profile's `sites`: a `syscall`
 * instruction in this program's own code (fake number 603), one in libc (syscall(604)), the
 * vDSO's own fallback (clock_gettime of a CPU-time clock, which the vDSO hands to the kernel
 * from its code) and one in anonymous memory that no file holds (fake number 605, so it has no
 * site). The call in this program's code is made twice from one site and once from another. */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

__attribute__((noinline)) static long own_syscall(long number) {
  long result;
  __asm__ volatile("syscall" : "=a"(result) : "a"(number) : "rcx", "r11", "memory");
  return result;
}

__attribute__((noinline)) static long other_own_syscall(long number) {
  long result;
  __asm__ volatile("syscall" : "=a"(result) : "a"(number) : "rcx", "r11", "memory");
  return result;
}

int main(void) {
  long own = own_syscall(603) + own_syscall(603) + other_own_syscall(603);
  long libc = syscall(604);
  struct timespec now;
  int clock = clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  /* mov eax, 605; syscall; ret */
  static const unsigned char code[] = {0xb8, 0x5d, 0x02, 0x00, 0x00, 0x0f, 0x05, 0xc3};
  void* page =
      mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  long anonymous = 0;
  if (page != MAP_FAILED) {
    memcpy(page, code, sizeof code);
    anonymous = ((long (*)(void))page)();
  }
  printf("own=%ld libc=%ld clock=%d anonymous=%ld\n", own, libc, clock, anonymous);
  return page != MAP_FAILED && clock == 0 ? 0 : 1;
}
