/* What the observer test watches: opens argv[1] for writing and writes "x" to it, makes fake
 * call 604 (where the test observer starts a phase), forks a child that execs /bin/true, waits
 * for it, handles SIGUSR1, and exits 5. */
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void OnUsr1(int signal) { (void)signal; }

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0 || write(fd, "x", 1) != 1) return 1;
  close(fd);
  syscall(604);
  pid_t child = fork();
  if (child == 0) {
    execl("/bin/true", "true", (char*)NULL);
    _exit(127);
  }
  waitpid(child, NULL, 0);
  signal(SIGUSR1, OnUsr1);
  raise(SIGUSR1);
  return 5;
}
