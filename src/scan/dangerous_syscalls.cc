// The list of dangerous system calls (see dangerous_syscalls.h); docs/SCAN.md repeats it with
// the same reasons.
#include "scan/dangerous_syscalls.h"

namespace sysfence {
namespace {

constexpr DangerousSyscall kDangerous[] = {
    {"ptrace", "reads and writes other processes' memory and registers"},
    {"process_vm_readv", "reads another process's memory"},
    {"process_vm_writev", "writes another process's memory"},
    {"bpf", "loads programs into the kernel; a frequent way into it"},
    {"perf_event_open", "kernel performance counters; a frequent way into the kernel"},
    {"kexec_load", "replaces the running kernel"},
    {"kexec_file_load", "replaces the running kernel"},
    {"init_module", "loads a kernel module"},
    {"finit_module", "loads a kernel module"},
    {"delete_module", "unloads a kernel module"},
    {"mount", "changes the file system tree"},
    {"umount2", "changes the file system tree"},
    {"fsopen", "the new mount API"},
    {"move_mount", "the new mount API"},
    {"open_tree", "the new mount API"},
    {"pivot_root", "changes the root file system"},
    {"chroot", "changes the root directory"},
    {"unshare", "new namespaces, user namespaces included (kernel attack surface)"},
    {"setns", "enters other namespaces"},
    {"clone3",
     "like clone, and can create namespaces (flags in memory, so filters cannot check them)"},
    {"keyctl", "the kernel keyring"},
    {"add_key", "the kernel keyring"},
    {"request_key", "the kernel keyring"},
    {"userfaultfd", "handles page faults in user space; used to win kernel races"},
    {"io_uring_setup", "io_uring: system calls without syscalls, outside seccomp's view"},
    {"open_by_handle_at", "opens files by handle, past the mount and directory checks"},
    {"name_to_handle_at", "file handles for open_by_handle_at"},
    {"reboot", "reboots or halts the machine"},
    {"swapon", "changes swap"},
    {"settimeofday", "sets the system clock"},
    {"clock_settime", "sets a system clock"},
    {"adjtimex", "tunes the system clock"},
    {"sethostname", "renames the host"},
    {"iopl", "raw I/O port access"},
    {"ioperm", "raw I/O port access"},
    {"acct", "process accounting"},
    {"quotactl", "disk quotas"},
    {"lookup_dcookie", "kernel profiling"},
    {"syslog", "reads the kernel log"},
    {"vhangup", "hangs up the terminal"},
    {"personality", "changes the execution domain (ASLR can be turned off)"},
    {"modify_ldt", "the local descriptor table: old exploits"},
    {"fanotify_init", "watches file access system-wide"},
};

}  // namespace

std::span<const DangerousSyscall> DangerousSyscalls() { return kDangerous; }

}  // namespace sysfence
