/* For tracees that need a thread blocked in a system call until the process ends: the thread
 * reads a pipe nobody writes. Call MakeNeverWritten() before starting it. */
#ifndef SYSFENCE_TESTS_PROGRAMS_BLOCK_FOREVER_H_
#define SYSFENCE_TESTS_PROGRAMS_BLOCK_FOREVER_H_

#include <unistd.h>

static int never_written[2];

static int MakeNeverWritten(void) { return pipe(never_written); }

/* A pthread start routine (the main thread may call it too). */
static void* BlockForever(void* unused) {
  char byte;
  (void)unused;
  (void)!read(never_written[0], &byte, 1);
  return NULL;
}

#endif /* SYSFENCE_TESTS_PROGRAMS_BLOCK_FOREVER_H_ */
