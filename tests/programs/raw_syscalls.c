/* Raw syscall() calls the tracer must see by number: sysinfo and getcpu (uncommon real calls,
 * getcpu made for real rather than through the vDSO) and 600, a number no kernel has, which
 * profiles name "syscall_600". */
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <unistd.h>

int main(void) {
  struct sysinfo info;
  unsigned cpu = 0, node = 0;
  long has_info = syscall(SYS_sysinfo, &info);
  long has_cpu = syscall(SYS_getcpu, &cpu, &node, NULL);
  long fake = syscall(600);
  printf("sysinfo=%ld getcpu=%ld fake=%ld\n", has_info, has_cpu, fake);
  return has_info == 0 && has_cpu == 0 && fake == -1 ? 0 : 1;
}
