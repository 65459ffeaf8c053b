/* Raw syscall instructions with fake numbers (600 and up): markers static analysis must find
   (or must not find) in the sf_* test programs. The kernel answers ENOSYS; nothing happens. */
#ifndef SF_RAW_SYSCALL_H_
#define SF_RAW_SYSCALL_H_

static inline long sf_raw_syscall(long number) {
  long result;
  __asm__ volatile("syscall" : "=a"(result) : "a"(number) : "rcx", "r11", "memory");
  return result;
}

#endif
