// The floor of an eBPF recorder, as a baseline for bench/trace_bench.sh: loads
// ebpf_floor.bpf.c (a raw sys_enter program counting one process's calls in an array), runs
// the command with it attached, and prints the number of calls counted on stderr. It follows
// no children and needs no kernel BTF; what a real recorder does beyond this is its own cost.
//
//   ebpf_floor CMD [ARG...]
#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ebpf_floor.skel.h"

static int Quiet(enum libbpf_print_level level, const char* format, va_list args) {
  return level == LIBBPF_WARN ? vfprintf(stderr, format, args) : 0;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: ebpf_floor CMD [ARG...]\n");
    return 2;
  }
  libbpf_set_print(Quiet);
  int go[2];
  if (pipe2(go, O_CLOEXEC) != 0) return 2;
  pid_t child = fork();
  if (child < 0) return 2;
  if (child == 0) {
    char byte;
    if (read(go[0], &byte, 1) != 1) _exit(127);
    execvp(argv[1], argv + 1);
    _exit(127);
  }
  close(go[0]);
  struct ebpf_floor* skeleton = ebpf_floor__open();
  if (skeleton == NULL) return 2;
  skeleton->rodata->target_tgid = (__u32)child;
  if (ebpf_floor__load(skeleton) != 0 || ebpf_floor__attach(skeleton) != 0) {
    fprintf(stderr, "ebpf_floor: loading the program failed: %s\n", strerror(errno));
    return 2;
  }
  if (write(go[1], "g", 1) != 1) return 2;
  close(go[1]);
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  unsigned long long total = 0;
  int fd = bpf_map__fd(skeleton->maps.calls);
  for (__u32 number = 0; number < 1024; ++number) {
    __u64 count = 0;
    if (bpf_map_lookup_elem(fd, &number, &count) == 0) total += count;
  }
  ebpf_floor__destroy(skeleton);
  fprintf(stderr, "ebpf_floor: %llu calls\n", total);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
