/* Prints its real and effective user ids: made setuid in a test, it shows whether the kernel
 * honoured the setuid bit under the tracer. */
#include <stdio.h>
#include <unistd.h>

int main(void) {
  printf("uid=%d euid=%d\n", (int)getuid(), (int)geteuid());
  return 0;
}
