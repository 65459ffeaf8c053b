/* libsftest.so: a shared library of the test programs' own. sf_lib_direct is called through
   the PLT (610), the constructor runs at load (613); sf_lib_exported_unused is exported but
   never called (612: only a library-root analysis reaches it); lib_never_called is neither
   called nor has its address taken (611: never reached). */
#include "sf_raw_syscall.h"

void sf_lib_direct(void) { sf_raw_syscall(610); }

void sf_lib_exported_unused(void) { sf_raw_syscall(612); }

__attribute__((used, noinline)) static void lib_never_called(void) { sf_raw_syscall(611); }

__attribute__((constructor)) static void lib_constructor(void) { sf_raw_syscall(613); }
