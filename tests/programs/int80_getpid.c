/* An i386 system call from a 64-bit process: getpid (i386 number 20) through `int 0x80`. It
 * must be recorded in compat_i386, not as x86-64 call 20 (writev). Kernels without 32-bit
 * emulation (ia32_emulation=0) answer `int 0x80` with SIGSEGV; `--probe` reports which. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static long I386Getpid(void) {
  long result;
  __asm__ volatile("int $0x80" : "=a"(result) : "a"(20L) : "memory");
  return result;
}

int main(int argc, char** argv) {
  if (argc > 1 && strcmp(argv[1], "--probe") == 0) {
    /* Exit 0 when `int 0x80` works on this kernel, 1 when it does not. */
    pid_t child = fork();
    if (child == 0) {
      I386Getpid();
      _exit(0);
    }
    int status = 0;
    waitpid(child, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
  }
  long pid = I386Getpid();
  printf("i386 getpid %s\n", pid == (long)getpid() ? "matches" : "differs");
  return pid == (long)getpid() ? 0 : 1;
}
