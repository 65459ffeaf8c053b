/* Installs a seccomp filter of its own that answers getppid with EPERM, after one getppid
 * made before it: the three later calls never run, and a recorder that looks after seccomp
 * (both of sysfence's backends) does not see them; strace, which stops before seccomp, does.
 * Then syscall(605), which the filter lets through and the kernel refuses with ENOSYS. */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void) {
  int before = syscall(SYS_getppid) > 0;
  struct sock_filter code[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog program = {sizeof code / sizeof code[0], code};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
      syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program) != 0) {
    perror("own_seccomp: seccomp");
    return 1;
  }
  int denied = 0;
  for (int i = 0; i < 3; ++i) denied += syscall(SYS_getppid) == -1 && errno == EPERM;
  long fake = syscall(605);
  printf("getppid before: %s; after: EPERM x%d; syscall(605): %s\n", before ? "ok" : "failed",
         denied, fake == -1 && errno == ENOSYS ? "ENOSYS" : "?");
  return 0;
}
