/* Syscall numbers that reach a raw `syscall` instruction only through a function pointer: the
 * static function `issue` (its address never leaves main's frame, so only this program can
 * call it) is called through a pointer with getppid's and getpgrp's numbers. The static
 * analysis finds both among what the program's calls through pointers pass, and leaves the
 * site in `issue` resolved. */
#include <stdio.h>
#include <sys/syscall.h>

static long issue(long number) {
  long result;
  __asm__ volatile("syscall" : "=a"(result) : "a"(number) : "rcx", "r11", "memory");
  return result;
}

int main(int argc, char** argv) {
  (void)argc;
  (void)argv;
  long (*volatile call)(long) = issue;  // the address stays in main's frame
  long parent = call(SYS_getppid);
  long group = call(SYS_getpgrp);
  printf("getppid=%ld getpgrp=%ld\n", parent, group);
  return parent > 0 && group > 0 ? 0 : 1;
}
