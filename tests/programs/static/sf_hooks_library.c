/* libsfhooks.so: code the loader and dlsym run by name, each marked with a fake syscall.
   Its constructor and destructor are exported functions, so their .init_array and
   .fini_array slots are filled through symbol relocations (R_X86_64_64), not RELATIVE ones:
     660 exported constructor            661 exported destructor
     662 exported constructor that the program interposes (its own 663 runs instead)
     664 found only with dlsym(RTLD_DEFAULT, "sf_hooks_by_name") and called through the pointer
     665 found only with dlsym(RTLD_NEXT, "sf_hooks_next")  */
#include "sf_raw_syscall.h"

__attribute__((constructor)) void sf_hooks_constructor(void) { sf_raw_syscall(660); }

__attribute__((destructor)) void sf_hooks_destructor(void) { sf_raw_syscall(661); }

__attribute__((constructor)) void sf_hooks_interposed(void) { sf_raw_syscall(662); }

void sf_hooks_by_name(void) { sf_raw_syscall(664); }

void sf_hooks_next(void) { sf_raw_syscall(665); }

int sf_hooks_linked(void) { return 1; }
