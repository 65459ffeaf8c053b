/* The least an eBPF recorder can do per system call, the kernel half of bench/ebpf_floor.c: on
 * the raw sys_enter tracepoint, compare the caller's process id with the one recorded process
 * and count the call in an array indexed by its number. No task table, no tree following, no
 * i386 check, no events. */
#include "vmlinux.h"

#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 target_tgid = 0;

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1024);
  __type(key, __u32);
  __type(value, __u64);
} calls SEC(".maps");

SEC("raw_tp/sys_enter")
int floor_sys_enter(__u64 *args) {
  if ((__u32)(bpf_get_current_pid_tgid() >> 32) != target_tgid) return 0;
  __u32 number = (__u32)args[1];
  __u64 *count = bpf_map_lookup_elem(&calls, &number);
  if (count) *count += 1;
  return 0;
}
