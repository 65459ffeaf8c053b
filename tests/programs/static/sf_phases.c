/* The static phases test program: each part of the process's life issues its own fake
   syscall number, which `sysfence static --phases` must place in that phase only:
     640 constructor (init_array)       startup
     641 main                           main
     642 serve(), called only by main   main, and `--from serve`
     643 atexit handler                 exit (registered in main; called through a pointer)
     644 destructor (fini_array)        exit
   Built PIE, stripped (main then found through _start) and static. */
#include <stdlib.h>

#include "sf_raw_syscall.h"

__attribute__((constructor)) static void phase_constructor(void) { sf_raw_syscall(640); }

__attribute__((destructor)) static void phase_destructor(void) { sf_raw_syscall(644); }

static void at_exit_handler(void) { sf_raw_syscall(643); }

__attribute__((noinline)) void serve(int rounds) {
  for (int i = 0; i < rounds; ++i) sf_raw_syscall(642);
}

int main(int argc, char** argv) {
  (void)argv;
  sf_raw_syscall(641);
  atexit(at_exit_handler);
  serve(argc);
  return 0;
}
