/* The program of libsfhooks.so (see sf_hooks_library.c): the loader runs the library's
   exported constructor and destructor, binds the slot of sf_hooks_interposed to the program's
   own definition (663; the library's 662 never runs), and main calls two functions it only
   finds with dlsym. Prints "hooks ok" and exits 0 when everything was found. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>

#include "sf_raw_syscall.h"

int sf_hooks_linked(void);

/* Exported (-Wl,--export-dynamic-symbol): interposes on the library's constructor. */
void sf_hooks_interposed(void) { sf_raw_syscall(663); }

int main(void) {
  void (*by_name)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "sf_hooks_by_name");
  void (*next)(void) = (void (*)(void))dlsym(RTLD_NEXT, "sf_hooks_next");
  if (by_name == NULL || next == NULL || !sf_hooks_linked()) return 1;
  by_name();
  next();
  puts("hooks ok");
  return 0;
}
