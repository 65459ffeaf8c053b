/* The kernel half of `sysfence trace --backend ebpf`: counts every system call of the recorded
 * process tree in per-task counters and sends only process events (fork, exec, exit), counter
 * flushes, each syscall's first sighting and each new syscall site through a ring buffer.
 *
 * The tree is the set of tasks in the task table. sysfence adds the command's first process
 * (the sf_track program); the fork program adds every child of a recorded task while its parent
 * is still in fork, before the child can run, so no call of a child is missed; the exit program
 * removes a task. The table is direct-mapped (slot tid % SF_TASK_SLOTS, a hash for the few
 * threads whose slot is taken), so that the per-call lookup costs an array index and one
 * comparison, for recorded tasks and for every other task of the system alike. Per call the
 * sys_enter program then increments a 16-bit counter in the task's own slot (no atomics: only
 * the task itself counts into it); for the few calls of the argument table, each value a task
 * passes is sent once per image and phase. A task's counters are flushed to user space, which
 * knows its image and phase, whenever that attribution changes: at exec (the execve itself counts
 * for the image that called it), at exit, and at its first call after a phase switch (the `epoch`
 * global, written by sysfence).
 *
 * Syscall sites: each x86-64 call's return address (the user registers' ip; the `syscall`
 * instruction is the 2 bytes before it) is checked against a small direct-mapped cache in the
 * task's slot, then against the `seen_sites` LRU hash; only a site the task has not used in
 * its image yet is located (bpf_find_vma: the mapping's file, as device and inode, and the
 * instruction's offset in it, or the vDSO) and sent, preceded by the file's path the first
 * time a site in that file is seen.
 *
 * Attaching to what already runs: sysfence adds the threads of a running process itself
 * (sf_track, which leaves a thread already in the table alone), and in cgroup mode the sys_enter
 * program adds any task under the watched cgroup at its first call (a join record names its
 * image), so that processes entering the cgroup later are recorded from their first call on.
 * When recording stops, sysfence detaches the programs and reads what the table still holds.
 *
 * x86-64 and i386 (int 0x80) calls are told apart by the task's TS_COMPAT status, as the
 * kernel's own syscall_get_arch() does. The raw sys_enter tracepoint runs after seccomp: a call
 * that a filter denies or kills is not seen (the ptrace backend does not see it either). */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include "recorder_abi.h"

char LICENSE[] SEC("license") = "GPL";

#define SF_TS_COMPAT 0x0002 /* arch/x86/include/asm/thread_info.h */
#define SF_SIGCHLD 17
#define SF_ENOSPC 28
#define SF_EBUSY 16
#define SF_PAGE_SHIFT 12
#define SF_SYSCALL_BYTES 2 /* `syscall` (0f 05) */
#define SF_NR_EXECVE 59
#define SF_NR_EXECVEAT 322
#define SF_NR_CLONE 56
#define SF_NR_VFORK 58
#define SF_NR_CLONE3 435 /* the same number on i386 */
#define SF_NR_I386_CLONE 120
#define SF_NR_I386_VFORK 190
#define SF_CLONE_VFORK 0x4000

/* Set by the loader before the program is loaded. */
const volatile __u32 call_events = 0; /* send one SF_EVENT_CALL record per call */
const volatile __u32 record_sites = 1; /* locate and send syscall sites (sysfence trace --no-sites: 0) */
/* The argument table, indexed by x86-64 number. */
const volatile struct sf_argument_spec argument_specs[SF_X86_64_LIMIT] = {};

/* Written by sysfence before it attaches the programs: record every task under the cgroup in
 * `watched_cgroup` (a join record when it is first seen). */
__u32 cgroup_mode = 0;

struct {
  __uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u32);
} watched_cgroup SEC(".maps");

/* Written by sysfence while recording (the skeleton maps .bss into its memory). */
__u32 epoch = 0;
/* Read by sysfence: anything not zero makes the profile incomplete. */
__u64 lost_events = 0;     /* ring-buffer records that did not fit */
__u64 untracked_tasks = 0; /* children of recorded tasks the task table had no room for */
__s64 live_tasks = 0;      /* tasks in the table */
/* The serial of the next task (or image: exec takes a new one); 0 is never given. */
__u32 next_serial = 0;
/* Which x86-64 numbers have been seen, for the discovery records. */
__u64 seen[SF_X86_64_LIMIT / 64] = {};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, SF_TASK_SLOTS);
  __type(key, __u32);
  __type(value, struct sf_task);
} task_slots SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __uint(max_entries, SF_OVERFLOW_TASKS);
  __type(key, __u32);
  __type(value, struct sf_task);
} overflow_tasks SEC(".maps");

/* The loader sets the size: 2 MiB, more when a record per call is wanted. */
struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 2 << 20);
} events SEC(".maps");

/* The argument values each task has sent already, so that a value costs one lookup after its
 * first call. Least recently used entries make room: a value forgotten is sent again, which
 * user space ignores. */
struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 16384);
  __type(key, struct sf_argument_key);
  __type(value, __u8);
} seen_arguments SEC(".maps");

/* The syscall sites each task has sent in its current image (struct sf_site_key): a site
 * costs this lookup after its first call (none while it stays in the task's own site cache),
 * and only a first sight looks for its mapping. Least recently used entries make room: a site
 * forgotten is sent again, which user space ignores. */
struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 16384);
  __type(key, struct sf_site_key);
  __type(value, __u8);
} seen_sites SEC(".maps");

/* The files whose path has been sent (SF_EVENT_FILE), so that user space names a site's file
 * even when the process that mapped it is gone before /proc/PID/maps could be read. */
struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 4096);
  __type(key, struct sf_file_key);
  __type(value, __u8);
} named_files SEC(".maps");

/* Records larger than the BPF stack are built here, then copied to the ring without their
 * unused end. Tracepoint programs run with preemption off, so a CPU's scratch is never used
 * by two of them at once. */
struct scratch {
  union {
    struct sf_counts_event counts;
    struct sf_exec_event exec;
  };
};

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct scratch);
} scratch SEC(".maps");

/* The zeroed value a new task starts from (too large for the BPF stack). */
static const struct sf_task zero_task;

/* The recorded task `tid`, or 0. */
static __always_inline struct sf_task *find_task(__u32 tid) {
  __u32 index = tid % SF_TASK_SLOTS;
  struct sf_task *slot = bpf_map_lookup_elem(&task_slots, &index);
  if (!slot) return 0;
  if (slot->owner == tid) return slot;
  if (slot->overflow == 0) return 0;
  return bpf_map_lookup_elem(&overflow_tasks, &tid);
}

/* Adds `tid` (not yet running, or sysfence's own child) to the table; 0 when there is no room
 * left. */
static __always_inline struct sf_task *add_task(__u32 tid, __u32 tgid, __u32 task_epoch,
                                                __u32 flags) {
  __u32 index = tid % SF_TASK_SLOTS;
  struct sf_task *slot = bpf_map_lookup_elem(&task_slots, &index);
  if (!slot || tid == 0) return 0;
  struct sf_task *task = 0;
  if (__sync_val_compare_and_swap(&slot->owner, 0, tid) == 0) {
    task = slot;
  } else if (bpf_map_update_elem(&overflow_tasks, &tid, &zero_task, BPF_NOEXIST) == 0) {
    task = bpf_map_lookup_elem(&overflow_tasks, &tid);
    if (!task) return 0;
    task->owner = tid;
    __sync_fetch_and_add(&slot->overflow, 1);
  } else {
    return 0;
  }
  /* A freed slot's counters were zeroed by its last flush. */
  task->tgid = tgid;
  task->epoch = task_epoch;
  task->flags = flags;
  task->unrecordable = 0;
  task->serial = __sync_fetch_and_add(&next_serial, 1) + 1;
  __sync_fetch_and_add(&live_tasks, 1);
  return task;
}

/* Removes `task` (flushed already) from the table. */
static __always_inline void remove_task(struct sf_task *task, __u32 tid) {
  __u32 index = tid % SF_TASK_SLOTS;
  struct sf_task *slot = bpf_map_lookup_elem(&task_slots, &index);
  if (!slot) return;
  __sync_fetch_and_add(&live_tasks, -1);
  if (slot == task) {
    __sync_lock_test_and_set(&slot->owner, 0);
    return;
  }
  bpf_map_delete_elem(&overflow_tasks, &tid);
  __sync_fetch_and_add(&slot->overflow, -1);
}

static __always_inline void *reserve(__u64 size, __u32 kind, __u32 tid, __u64 now) {
  struct sf_event_header *header = bpf_ringbuf_reserve(&events, size, 0);
  if (!header) {
    __sync_fetch_and_add(&lost_events, 1);
    return 0;
  }
  header->kind = kind;
  header->tid = tid;
  header->time_ns = now;
  return header;
}

struct flush_walk {
  __u64 *counts; /* the task's counters, four to a word */
  struct sf_counts_event *event;
};

/* One word of four counters: copied to the record and cleared if any is not zero. The count
 * of words copied lives in the record (map memory), not in `walk`: the verifier does not track
 * values in map memory, so it verifies this callback once instead of once per count. */
static long flush_word(__u32 index, struct flush_walk *walk) {
  if (index >= SF_COUNT_WORDS) return 1;
  __u64 value = walk->counts[index];
  if (!value) return 0;
  struct sf_counts_event *event = walk->event;
  __u32 n = event->word_count;
  if (n >= SF_COUNT_WORDS) return 1;
  event->words[n].word = index;
  __builtin_memcpy(event->words[n].counts, &value, sizeof(value));
  walk->counts[index] = 0;
  event->word_count = n + 1;
  return 0;
}

/* Sends the task's counters (the words that are not zero) and resets them. */
static __always_inline void flush(struct sf_task *task, __u32 tid, __u64 now) {
  __u32 zero = 0;
  struct scratch *buffer = bpf_map_lookup_elem(&scratch, &zero);
  if (!buffer) return;
  struct sf_counts_event *event = &buffer->counts;
  event->word_count = 0;
  struct flush_walk walk = {(__u64 *)task->counts, event};
  bpf_loop(SF_COUNT_WORDS, flush_word, &walk, 0);
  event->header.kind = SF_EVENT_COUNTS;
  event->header.tid = tid;
  event->header.time_ns = now;
  event->tgid = task->tgid;
  event->epoch = task->epoch;
  event->unrecordable = task->unrecordable;
  task->unrecordable = 0;
  __u32 words = event->word_count;
  if (words > SF_COUNT_WORDS) words = SF_COUNT_WORDS;
  __u64 size = sizeof(*event) - sizeof(event->words) + words * sizeof(event->words[0]);
  if (bpf_ringbuf_output(&events, event, size, 0) != 0) {
    __sync_fetch_and_add(&lost_events, 1);
  }
}

static __always_inline void send_call(__u32 kind, __u32 tid, __u32 tgid, __u32 slot, __u64 now) {
  struct sf_call_event *event = reserve(sizeof(*event), kind, tid, now);
  if (!event) return;
  event->tgid = tgid;
  event->slot = slot;
  bpf_ringbuf_submit(event, 0);
}

/* Run by sysfence (BPF_PROG_TEST_RUN) to add a thread, with the same atomics as the fork
 * program uses. */
SEC("syscall")
int sf_track(struct sf_track_args *request) {
  if (find_task(request->tid)) {
    request->result = 1; /* recorded already (a recorded thread created it meanwhile) */
    return 0;
  }
  struct sf_task *task = add_task(request->tid, request->tgid, epoch, request->flags);
  request->result = task ? 0 : -SF_ENOSPC;
  return 0;
}

/* Run by sysfence to remove a thread it added that had exited before: its exit program never
 * ran for it, so nothing else would. */
SEC("syscall")
int sf_untrack(struct sf_track_args *request) {
  struct sf_task *task = find_task(request->tid);
  request->result = task ? 0 : 1;
  if (task) remove_task(task, request->tid);
  return 0;
}

/* How ptrace would report this spawn (kernel_clone): CLONE_VFORK makes a vfork, an exit signal
 * other than SIGCHLD a clone, anything else a fork. The child does not hold the clone flags, so
 * they are read from the parent's system call, which is still in progress. */
static __always_inline __u32 spawn_kind(struct task_struct *child) {
  struct task_struct *current = bpf_get_current_task_btf();
  struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(current);
  long number = BPF_CORE_READ(regs, orig_ax);
  __u64 flags = 0;
  if (current->thread_info.status & SF_TS_COMPAT) {
    if (number == SF_NR_I386_VFORK) return SF_SPAWN_VFORK;
    if (number == SF_NR_I386_CLONE) flags = (__u32)BPF_CORE_READ(regs, bx);
    if (number == SF_NR_CLONE3) {
      bpf_probe_read_user(&flags, sizeof(flags), (void *)(BPF_CORE_READ(regs, bx) & 0xffffffff));
    }
  } else {
    if (number == SF_NR_VFORK) return SF_SPAWN_VFORK;
    if (number == SF_NR_CLONE) flags = BPF_CORE_READ(regs, di);
    /* clone3(struct clone_args *args, size): flags is the first field */
    if (number == SF_NR_CLONE3) {
      bpf_probe_read_user(&flags, sizeof(flags), (void *)BPF_CORE_READ(regs, di));
    }
  }
  if (flags & SF_CLONE_VFORK) return SF_SPAWN_VFORK;
  return BPF_CORE_READ(child, exit_signal) != SF_SIGCHLD ? SF_SPAWN_CLONE : SF_SPAWN_FORK;
}

/* raw_tp/sched_process_fork: (struct task_struct *parent, struct task_struct *child), in the
 * parent, before the child first runs. */
SEC("raw_tp/sched_process_fork")
int sf_fork(__u64 *args) {
  struct task_struct *parent = (struct task_struct *)args[0];
  struct task_struct *child = (struct task_struct *)args[1];
  __u32 parent_tid = BPF_CORE_READ(parent, pid);
  struct sf_task *parent_task = find_task(parent_tid);
  if (!parent_task) return 0;
  __u32 child_tid = BPF_CORE_READ(child, pid);
  __u32 child_tgid = BPF_CORE_READ(child, tgid);
  __u32 tracked = add_task(child_tid, child_tgid, parent_task->epoch, 0) != 0;
  if (!tracked) __sync_fetch_and_add(&untracked_tasks, 1);
  struct sf_fork_event *event =
      reserve(sizeof(*event), SF_EVENT_FORK, parent_tid, bpf_ktime_get_ns());
  if (!event) return 0;
  event->child_tid = child_tid;
  event->child_tgid = child_tgid;
  event->spawn_kind = spawn_kind(child);
  event->tracked = tracked;
  bpf_ringbuf_submit(event, 0);
  return 0;
}

struct path_walk {
  struct dentry *dentry;
  struct mount *mount;
  __u32 offset;
  __u32 complete;
};

/* One step of the walk from a file to the root: a dentry's name, or a jump from a mount's root
 * to the mount point it hides. Returns 1 to stop. */
static long path_step(__u32 index, struct path_walk *walk) {
  __u32 zero = 0;
  struct scratch *buffer = bpf_map_lookup_elem(&scratch, &zero);
  if (!buffer) return 1;
  struct sf_exec_event *event = &buffer->exec;
  struct dentry *dentry = walk->dentry;
  struct mount *mount = walk->mount;
  struct dentry *parent = BPF_CORE_READ(dentry, d_parent);
  struct dentry *mount_root = BPF_CORE_READ(mount, mnt.mnt_root);
  if (dentry == mount_root || dentry == parent) {
    struct mount *mount_parent = BPF_CORE_READ(mount, mnt_parent);
    if (mount_parent == mount || dentry != mount_root) {
      walk->complete = 1;
      return 1;
    }
    walk->dentry = BPF_CORE_READ(mount, mnt_mountpoint);
    walk->mount = mount_parent;
    return 0;
  }
  __u32 offset = walk->offset;
  if (offset > SF_PATH_BYTES - SF_NAME_BYTES) return 1;
  const unsigned char *name = BPF_CORE_READ(dentry, d_name.name);
  long copied = bpf_probe_read_kernel_str(&event->path[offset], SF_NAME_BYTES, name);
  if (copied <= 0) return 1;
  walk->offset = offset + copied;
  walk->dentry = parent;
  return 0;
}

/* Sends the path of `file` (its dentries up to their mount's root, then on from each mount
 * point, up to the root of the mount namespace) and its identity as a record of `kind`:
 * SF_EVENT_EXEC, SF_EVENT_JOIN or SF_EVENT_FILE. */
static __always_inline void send_file(struct file *file, __u32 kind, __u32 tid, __u32 former_tid,
                                      __u32 launch, __u64 now) {
  __u32 zero = 0;
  struct scratch *buffer = bpf_map_lookup_elem(&scratch, &zero);
  if (!buffer) return;
  struct sf_exec_event *event = &buffer->exec;
  event->header.kind = kind;
  event->header.tid = tid;
  event->header.time_ns = now;
  event->former_tid = former_tid;
  event->launch = launch;
  struct path_walk walk = {
      .dentry = BPF_CORE_READ(file, f_path.dentry),
      .mount = container_of(BPF_CORE_READ(file, f_path.mnt), struct mount, mnt),
  };
  bpf_loop(SF_PATH_DEPTH, path_step, &walk, 0);
  event->exe_dev = BPF_CORE_READ(file, f_inode, i_sb, s_dev);
  event->reserved = 0;
  event->exe_inode = BPF_CORE_READ(file, f_inode, i_ino);
  event->path_bytes = walk.offset;
  event->path_complete = walk.complete;
  __u32 used = walk.offset;
  if (used > SF_PATH_BYTES) used = SF_PATH_BYTES;
  __u64 size = sizeof(*event) - sizeof(event->path) + used;
  if (bpf_ringbuf_output(&events, event, size, 0) != 0) {
    __sync_fetch_and_add(&lost_events, 1);
  }
}

/* Sends the image `process` runs (the file /proc/PID/exe names) as a record of `kind`:
 * SF_EVENT_EXEC or SF_EVENT_JOIN. */
static __always_inline void send_image(struct task_struct *process, __u32 kind, __u32 tid,
                                       __u32 former_tid, __u32 launch, __u64 now) {
  send_file(BPF_CORE_READ(process, mm, exe_file), kind, tid, former_tid, launch, now);
}

/* raw_tp/sched_process_exec: (struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm),
 * after the new image is in place and, for a thread that exec'd, after it took its process's
 * id (its process's other threads, the leader among them, have exited by then). */
SEC("raw_tp/sched_process_exec")
int sf_exec(__u64 *args) {
  struct task_struct *process = (struct task_struct *)args[0];
  __u32 former_tid = (__u32)args[1];
  struct sf_task *task = find_task(former_tid);
  if (!task) return 0;
  __u64 now = bpf_ktime_get_ns();
  __u32 pid = BPF_CORE_READ(process, pid);
  __u32 launch = task->flags & SF_TASK_LAUNCHING;
  __u32 task_epoch = task->epoch;
  flush(task, former_tid, now);
  if (pid != former_tid) {
    remove_task(task, former_tid);
    task = add_task(pid, pid, task_epoch, 0);
    if (!task) {
      __sync_fetch_and_add(&untracked_tasks, 1);
      return 0;
    }
  }
  task->tgid = pid;
  task->flags = 0;
  task->serial = __sync_fetch_and_add(&next_serial, 1) + 1; /* values are per image */
  send_image(process, SF_EVENT_EXEC, pid, former_tid, launch, now);
  return 0;
}

static __always_inline __u64 argument_register(struct pt_regs *regs, __u32 index) {
  switch (index) {
    case 0:
      return BPF_CORE_READ(regs, di);
    case 1:
      return BPF_CORE_READ(regs, si);
    case 2:
      return BPF_CORE_READ(regs, dx);
    case 3:
      return BPF_CORE_READ(regs, r10);
    case 4:
      return BPF_CORE_READ(regs, r8);
    default:
      return BPF_CORE_READ(regs, r9);
  }
}

/* Sends the values of the argument table's arguments of x86-64 call `number` that this task
 * has not sent in this image and phase. */
static __always_inline void record_arguments(struct sf_task *task, __u32 tid, __u32 number,
                                             struct pt_regs *regs) {
  if (number >= SF_X86_64_LIMIT) return;
  __u32 count = argument_specs[number].count;
  for (__u32 i = 0; i < SF_ARGS_PER_CALL; i++) {
    if (i >= count) return;
    __u32 index = argument_specs[number].index[i];
    struct sf_argument_key key = {};
    key.serial = task->serial;
    key.epoch = task->epoch;
    key.number = (__u16)number;
    key.index = (__u8)index;
    key.value = argument_register(regs, index) & argument_specs[number].mask[i];
    if (bpf_map_lookup_elem(&seen_arguments, &key)) continue;
    __u8 one = 1;
    bpf_map_update_elem(&seen_arguments, &key, &one, BPF_ANY);
    struct sf_argument_event *event =
        reserve(sizeof(*event), SF_EVENT_ARGUMENT, tid, bpf_ktime_get_ns());
    if (!event) continue;
    event->tgid = task->tgid;
    event->epoch = key.epoch;
    event->number = key.number;
    event->index = key.index;
    __builtin_memset(event->reserved, 0, sizeof(event->reserved));
    event->value = key.value;
    bpf_ringbuf_submit(event, 0);
  }
}

struct site_lookup {
  __u64 address; /* the `syscall` instruction */
  __u64 offset;
  __u64 inode;
  __u64 now;
  __u32 dev;
  __u32 place; /* sf_site_place */
  __u32 tid;
  __u32 tgid;
};

/* The mapping (bpf_find_vma's callback, under the mmap lock) that holds the instruction: its
 * file and offset, or the vDSO. A file's path is sent with its first site, while the mapping
 * still holds the file. */
static long locate_site(struct task_struct *task, struct vm_area_struct *vma,
                        struct site_lookup *lookup) {
  __u64 start = BPF_CORE_READ(vma, vm_start);
  __u64 page_offset = BPF_CORE_READ(vma, vm_pgoff);
  lookup->offset = lookup->address - start + (page_offset << SF_PAGE_SHIFT);
  struct file *file = BPF_CORE_READ(vma, vm_file);
  if (!file) {
    /* A special mapping (the vDSO, [uprobes]) keeps its name in vm_private_data; anonymous
     * memory has none. */
    struct vm_special_mapping *special = BPF_CORE_READ(vma, vm_private_data);
    char name[8] = {};
    if (special) bpf_probe_read_kernel_str(name, sizeof(name), BPF_CORE_READ(special, name));
    if (name[0] == '[' && name[1] == 'v' && name[2] == 'd' && name[3] == 's' && name[4] == 'o' &&
        name[5] == ']' && name[6] == 0) {
      lookup->place = SF_SITE_VDSO;
    }
    return 1;
  }
  lookup->place = SF_SITE_FILE;
  lookup->dev = BPF_CORE_READ(file, f_inode, i_sb, s_dev);
  lookup->inode = BPF_CORE_READ(file, f_inode, i_ino);
  struct sf_file_key key = {.dev = lookup->dev, .inode = lookup->inode};
  if (bpf_map_lookup_elem(&named_files, &key)) return 1;
  __u8 one = 1;
  bpf_map_update_elem(&named_files, &key, &one, BPF_ANY);
  send_file(file, SF_EVENT_FILE, lookup->tid, lookup->tgid, 0, lookup->now);
  return 1;
}

/* Sends the site of this call (x86-64 `number`, returning to `address`) unless the task has
 * sent it in this image already. The fast path is the task's site cache; then the
 * `seen_sites` map; only a site never seen looks for its mapping. */
static __always_inline void record_site(struct sf_task *task, __u32 tid, __u32 number,
                                        __u64 address) {
  if (task->site_serial != task->serial) {
    __builtin_memset(task->site_addresses, 0, sizeof(task->site_addresses));
    task->site_serial = task->serial;
  }
  __u32 entry = (__u32)(address ^ (address >> 6) ^ number) & (SF_SITE_CACHE - 1);
  if (task->site_addresses[entry] == address && task->site_numbers[entry] == number) return;
  struct sf_site_key key = {.serial = task->serial, .number = (__u16)number, .address = address};
  if (!bpf_map_lookup_elem(&seen_sites, &key)) {
    __u64 now = bpf_ktime_get_ns();
    struct site_lookup lookup = {
        .address = address - SF_SYSCALL_BYTES,
        .now = now,
        .place = SF_SITE_ANONYMOUS,
        .tid = tid,
        .tgid = task->tgid,
    };
    long found = bpf_find_vma(bpf_get_current_task_btf(), lookup.address, locate_site, &lookup, 0);
    /* The mmap lock was taken: a later call from here tries again. */
    if (found == -SF_EBUSY) return;
    __u8 one = 1;
    bpf_map_update_elem(&seen_sites, &key, &one, BPF_ANY);
    struct sf_site_event *event = reserve(sizeof(*event), SF_EVENT_SITE, tid, now);
    if (event) {
      event->tgid = task->tgid;
      event->number = (__u16)number;
      event->place = (__u16)lookup.place;
      event->dev = lookup.dev;
      event->reserved = 0;
      event->inode = lookup.inode;
      event->offset = lookup.offset;
      bpf_ringbuf_submit(event, 0);
    }
  }
  task->site_addresses[entry] = address;
  task->site_numbers[entry] = (__u16)number;
}

/* raw_tp/sys_enter: (struct pt_regs *regs, long id), after seccomp and ptrace have let the call
 * through. */
SEC("raw_tp/sys_enter")
int sf_sys_enter(__u64 *args) {
  __u32 tid = (__u32)bpf_get_current_pid_tgid();
  struct sf_task *task = find_task(tid);
  if (!task) {
    /* The path of every call of every other task: one global read more than without
     * --cgroup. */
    if (!cgroup_mode || bpf_current_task_under_cgroup(&watched_cgroup, 0) != 1) return 0;
    /* A task of the watched cgroup, seen for the first time: record it from this call on. */
    __u32 tgid = (__u32)(bpf_get_current_pid_tgid() >> 32);
    task = add_task(tid, tgid, epoch, 0);
    if (!task) {
      __sync_fetch_and_add(&untracked_tasks, 1);
      return 0;
    }
    send_image(bpf_get_current_task_btf(), SF_EVENT_JOIN, tid, tgid, 0, bpf_ktime_get_ns());
  }
  __u64 number = args[1];
  struct task_struct *current = bpf_get_current_task_btf();
  __u32 slot = SF_SLOTS;
  if (current->thread_info.status & SF_TS_COMPAT) {
    if (number < SF_I386_LIMIT) slot = SF_I386_BASE + number;
  } else if (number < SF_X86_64_LIMIT) {
    slot = number;
  }
  if (task->flags & SF_TASK_LAUNCHING) {
    /* sysfence's own set-up between fork and the command's execve is not recorded */
    if (slot != SF_NR_EXECVE && slot != SF_NR_EXECVEAT) return 0;
  }
  __u32 current_epoch = epoch;
  if (task->epoch != current_epoch) {
    flush(task, tid, bpf_ktime_get_ns());
    task->epoch = current_epoch;
  }
  if (call_events) send_call(SF_EVENT_CALL, tid, task->tgid, slot, bpf_ktime_get_ns());
  if (slot >= SF_SLOTS) {
    task->unrecordable++;
    return 0;
  }
  /* Before the count: a snapshot of the counters never holds a call whose values are not in
   * the ring already. */
  if (slot < SF_X86_64_LIMIT) {
    record_arguments(task, tid, slot, (struct pt_regs *)args[0]);
    /* The user registers: the return address follows the `syscall` instruction. */
    if (record_sites && !(task->flags & SF_TASK_LAUNCHING)) {
      struct pt_regs *user = (struct pt_regs *)bpf_task_pt_regs(current);
      record_site(task, tid, slot, user->ip);
    }
  }
  __u16 count = task->counts[slot] + 1;
  task->counts[slot] = count;
  if (count == 1) {
    /* The first call of this number since the task's last flush: maybe the tree's first. */
    if (slot < SF_X86_64_LIMIT) {
      __u64 bit = 1ull << (slot & 63);
      __u64 *word = &seen[slot / 64];
      if (!(*word & bit) && !(__sync_fetch_and_or(word, bit) & bit)) {
        send_call(SF_EVENT_DISCOVERY, tid, task->tgid, slot, bpf_ktime_get_ns());
      }
    }
  } else if (count == 0) {
    struct sf_carry_event *carry =
        reserve(sizeof(*carry), SF_EVENT_CARRY, tid, bpf_ktime_get_ns());
    if (carry) {
      carry->epoch = task->epoch;
      carry->slot = slot;
      bpf_ringbuf_submit(carry, 0);
    }
  }
  return 0;
}

/* raw_tp/sched_process_exit: (struct task_struct *p, bool group_dead), called by the exiting
 * task itself once it makes no more calls. */
SEC("raw_tp/sched_process_exit")
int sf_exit(__u64 *args) {
  struct task_struct *exiting = (struct task_struct *)args[0];
  __u32 tid = BPF_CORE_READ(exiting, pid);
  struct sf_task *task = find_task(tid);
  if (!task) return 0;
  __u64 now = bpf_ktime_get_ns();
  __u32 tgid = task->tgid;
  flush(task, tid, now);
  remove_task(task, tid);
  struct sf_exit_event *event = reserve(sizeof(*event), SF_EVENT_EXIT, tid, now);
  if (!event) return 0;
  event->tgid = tgid;
  event->exit_code = BPF_CORE_READ(exiting, exit_code);
  bpf_ringbuf_submit(event, 0);
  return 0;
}
