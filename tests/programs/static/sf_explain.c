/* The program `compare --explain` classifies (tests/static_analysis_test.cc). Each class of
 * static-only call has its own real syscall, issued by a raw `syscall` instruction in this
 * program's own code (harmless calls no reached libc code makes):
 *   - getsid runs on every run; getpgid sits in the same function, behind an argument no test
 *     run passes: "reachable on another path";
 *   - sched_getscheduler and sched_get_priority_min share one site, a syscall()-style wrapper;
 *     only the first is issued, so the second is "reachable on another path" through a site
 *     that ran issuing another call;
 *   - times is issued only when the input cannot be opened: an error path;
 *   - sysfs only with the option --rare: a rare path;
 *   - syslog (SYSLOG_ACTION_SIZE_BUFFER) only from a function stored in a table and called
 *     through a pointer: "only through an indirect call".
 * Usage: sf_explain FILE [--rare] [--other] [--pointer] */
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static long raw(long number, long a, long b) {
  long result;
  __asm__ volatile("syscall" : "=a"(result) : "a"(number), "D"(a), "S"(b) : "rcx", "r11", "memory");
  return result;
}

__attribute__((noinline)) static void both(int other) {
  raw(SYS_getsid, 0, 0);
  if (other) raw(SYS_getpgid, 0, 0);
}

__attribute__((noinline)) static long shared(long number) { return raw(number, 0, 0); }

__attribute__((noinline)) static void report_error(void) {
  char buffer[64];
  raw(SYS_times, (long)buffer, 0);
}

__attribute__((noinline)) static void rare_option(void) { raw(SYS_sysfs, 3, 0); }

__attribute__((noinline)) static void pointer_only(void) { raw(SYS_syslog, 10, 0); }

void (*volatile sf_handlers[])(void) = {pointer_only};

int main(int argc, char** argv) {
  int other = 0, rare = 0, pointer = 0;
  for (int i = 2; i < argc; ++i) {
    if (strcmp(argv[i], "--rare") == 0) rare = 1;
    if (strcmp(argv[i], "--other") == 0) other = 1;
    if (strcmp(argv[i], "--pointer") == 0) pointer = 1;
  }
  both(other);
  shared(SYS_sched_getscheduler);
  if (other) shared(SYS_sched_get_priority_min);
  int fd = argc > 1 ? open(argv[1], O_RDONLY) : -1;
  if (fd < 0) {
    report_error();
    return 1;
  }
  close(fd);
  if (rare) rare_option();
  if (pointer) sf_handlers[0]();
  return 0;
}
