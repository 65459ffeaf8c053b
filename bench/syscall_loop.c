/* Makes argv[1] (default 50000) getppid calls and nothing else of note: the tracer's cost per
 * stopped call, without the workload's own work, for bench/trace_bench.sh. */
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char** argv) {
  long calls = argc > 1 ? atol(argv[1]) : 50000;
  for (long i = 0; i < calls; ++i) syscall(SYS_getppid);
  return 0;
}
