/* Adapts to being under seccomp, as man-db does: prints the seccomp mode prctl(PR_GET_SECCOMP)
   reports, installs an allow-all filter of its own only when the mode is 0 (then prints
   "installed"), and prints the mode again. Untraced it prints "mode 0", "installed",
   "mode 2"; a tracer that the program can see makes it print "mode 2" and skip the filter. */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static int install_allow_all(void) {
  struct sock_filter allow[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
  struct sock_fprog program = {1, allow};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
  return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program);
}

int main(void) {
  int mode = prctl(PR_GET_SECCOMP, 0, 0, 0, 0);
  printf("mode %d\n", mode);
  if (mode == 0) {
    if (install_allow_all() != 0) {
      perror("seccomp");
      return 1;
    }
    printf("installed\n");
  }
  printf("mode %d\n", prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
  return 0;
}
