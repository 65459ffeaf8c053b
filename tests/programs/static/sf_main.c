/* The static analysis test program: every way a syscall can be reached, each marked with a
   fake syscall number the analysis must report as "syscall_6xx":
     600 inline `syscall` in main          601 syscall(601) through libc
     602 function pointer stored in data    603 init_array constructor
     604 own wrapper, number as argument    605 own wrapper around libc's syscall()
     606 function pointer taken in code     620/621 the two candidates of an IFUNC
     610/613 libsftest.so (PLT call, constructor)     630/631 dlopen("libsftest_plugin.so")
   and 699, in a function nothing calls or points to, which it must not report.
   Built PIE, non-PIE, stripped, and static (SF_STATIC: no shared library, no dlopen). */
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sf_raw_syscall.h"

#ifndef SF_STATIC
#include <dlfcn.h>
void sf_lib_direct(void);
#endif

__attribute__((noinline)) static void via_data_pointer(void) { sf_raw_syscall(602); }
void (*volatile sf_data_pointer)(void) = via_data_pointer;

__attribute__((noinline)) static void via_code_pointer(void) { sf_raw_syscall(606); }

__attribute__((noipa)) static long own_wrapper(long number) {
  long result;
  __asm__ volatile("syscall" : "=a"(result) : "a"(number) : "rcx", "r11", "memory");
  return result;
}

__attribute__((noipa)) static long libc_wrapper(long number) { return syscall(number); }

__attribute__((constructor)) static void constructor(void) { sf_raw_syscall(603); }

static void ifunc_candidate_a(void) { sf_raw_syscall(620); }
static void ifunc_candidate_b(void) { sf_raw_syscall(621); }
static void (*resolve_sf_ifunc(void))(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") ? ifunc_candidate_a : ifunc_candidate_b;
}
void sf_ifunc(void) __attribute__((ifunc("resolve_sf_ifunc")));

__attribute__((used, noinline)) static void never_called(void) { sf_raw_syscall(699); }

int main(int argc, char** argv) {
  (void)argv;
  sf_raw_syscall(600);
  syscall(601);
  sf_data_pointer();
  void (*volatile code_pointer)(void) = via_code_pointer;
  code_pointer();
  own_wrapper(604);
  libc_wrapper(605);
  sf_ifunc();
#ifndef SF_STATIC
  sf_lib_direct();
  void* plugin = dlopen("libsftest_plugin.so", RTLD_NOW);
  if (plugin != NULL) {
    void (*entry)(void) = (void (*)(void))dlsym(plugin, "sf_plugin_entry");
    if (entry != NULL) entry();
  }
#endif
  printf("done %d\n", argc);
  return 0;
}
