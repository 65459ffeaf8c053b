/* Switches its own trace to phase "hand" through the control socket in $SYSFENCE_CONTROL (as
 * `sysfence mark hand` would), then makes getuid: the first call after the mark. */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

int main(void) {
  const char* address = getenv("SYSFENCE_CONTROL");
  if (address == NULL || address[0] != '@') return 2;
  struct sockaddr_un un = {0};
  un.sun_family = AF_UNIX;
  size_t length = strlen(address);
  memcpy(un.sun_path, address, length);
  un.sun_path[0] = '\0';
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  if (connect(fd, (struct sockaddr*)&un,
              (socklen_t)(offsetof(struct sockaddr_un, sun_path) + length)) != 0)
    return 3;
  const char request[] = "mark hand\n";
  if (write(fd, request, sizeof request - 1) < 0) return 4;
  char answer[16] = {0};
  if (read(fd, answer, sizeof answer - 1) <= 0 || strncmp(answer, "ok", 2) != 0) return 5;
  syscall(SYS_getuid);
  syscall(SYS_exit_group, 0);
  return 0;
}
