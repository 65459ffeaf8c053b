/* Starts one thread and waits for it with exactly one futex call, so every run makes the same
 * syscalls the same number of times whatever the scheduling: the thread makes the fake syscall
 * 601 and exits; the main thread makes the fake syscall 600 once the thread is gone. The
 * thread uses raw clone() (no pthread bookkeeping) so its only calls are 601 and exit. */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

static char thread_stack[64 * 1024] __attribute__((aligned(16)));
static volatile pid_t thread_tid;

static int ThreadMain(void* unused) {
  (void)unused;
  long result;
  __asm__ volatile("syscall" : "=a"(result) : "a"(601L) : "rcx", "r11", "memory");
  return 0; /* clone()'s wrapper then calls exit(0) */
}

int main(void) {
  int flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |
              CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
  pid_t tid = clone(ThreadMain, thread_stack + sizeof thread_stack, flags, NULL,
                    (pid_t*)&thread_tid, NULL, (pid_t*)&thread_tid);
  if (tid < 0) return 1;
  /* The kernel set thread_tid before the thread ran and clears it (and wakes us) when the
   * thread exits: this sleeps until then, or fails at once if the thread is already gone. */
  syscall(SYS_futex, &thread_tid, FUTEX_WAIT, tid, NULL, NULL, 0);
  syscall(600);
  return 0;
}
