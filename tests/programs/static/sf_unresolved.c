/* A syscall whose number comes from the command line: no analysis can know it, so it must be
   listed as unresolved (and --unresolved=all must allow everything). */
#include <stdlib.h>

#include "sf_raw_syscall.h"

int main(int argc, char** argv) {
  if (argc > 1) sf_raw_syscall(strtol(argv[1], NULL, 10));
  return 0;
}
