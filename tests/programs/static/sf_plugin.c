/* libsftest_plugin.so: loaded by the test programs with dlopen("libsftest_plugin.so") and
   called through dlsym (630); its constructor runs at dlopen (631); plugin_never_called is
   unreachable (639). */
#include "sf_raw_syscall.h"

void sf_plugin_entry(void) { sf_raw_syscall(630); }

__attribute__((used, noinline)) static void plugin_never_called(void) { sf_raw_syscall(639); }

__attribute__((constructor)) static void plugin_constructor(void) { sf_raw_syscall(631); }
