/* The layouts the kernel program (recorder.bpf.c) and its loader (bpf_recorder.cc) share: the
 * per-task counters kept in the `tasks` map and the records sent through the `events` ring
 * buffer. Plain C with __u32-style types, so that both clang -target bpf and g++ read it. */
#ifndef SYSFENCE_EBPF_RECORDER_ABI_H_
#define SYSFENCE_EBPF_RECORDER_ABI_H_

/* Names in the kernel's C style (sf_ prefix, SF_ constants), as the BPF side writes them. */
/* NOLINTBEGIN(readability-identifier-naming) */

/* x86-64 numbers 0..1023 (the profile's limit) and i386 numbers 0..511 are counted in one
 * array of slots: slot = number for x86-64, SF_I386_BASE + number for i386. */
#define SF_X86_64_LIMIT 1024
#define SF_I386_LIMIT 512
#define SF_I386_BASE SF_X86_64_LIMIT
#define SF_SLOTS (SF_X86_64_LIMIT + SF_I386_LIMIT)

/* A slot's counter is 16 bits wide (a task's value stays 3 KiB); each time it wraps, a carry
 * record adds 65536 calls. */
#define SF_COUNTER_BITS 16

/* The task is sysfence's child before the command's execve: only that execve counts. */
#define SF_TASK_LAUNCHING 1u

/* The task table is direct-mapped: thread `tid` lives in slot tid % SF_TASK_SLOTS when that
 * slot is free, else in the `overflow_tasks` hash. */
#define SF_TASK_SLOTS 1024
#define SF_OVERFLOW_TASKS 8192

/* The syscall sites a thread sent last, direct-mapped by return address and number: a call
 * from a site in here costs no map lookup. Only the task itself reads and writes them. */
#define SF_SITE_CACHE 16

/* A recorded thread (ids of the initial pid namespace). */
struct sf_task {
  __u32 owner;    /* the thread id; 0: a free slot */
  __u32 overflow; /* in a slot: how many threads of this index live in the overflow hash */
  __u32 tgid;
  __u32 epoch;        /* the phase epoch `counts` belong to */
  __u32 flags;        /* SF_TASK_* */
  __u32 unrecordable; /* x32 calls and numbers outside both tables, since the last flush */
  __u32 serial;       /* names this task running this image (a new one at exec) */
  __u32 site_serial;  /* the serial the site cache holds sites of; any other: it is empty */
  __u64 site_addresses[SF_SITE_CACHE]; /* return addresses (0: an empty entry) */
  __u16 site_numbers[SF_SITE_CACHE];   /* and the x86-64 number each issued */
  __u16 counts[SF_SLOTS];
};

/* The context of the `sf_track` program, which sysfence runs to add a thread. */
struct sf_track_args {
  __u32 tid;
  __u32 tgid;
  __u32 flags;
  __s32 result; /* 0; 1: recorded already (sf_track), not recorded (sf_untrack); -ENOSPC: no
                   room was left */
};

enum sf_event_kind {
  SF_EVENT_FORK = 1,  /* sf_fork_event */
  SF_EVENT_EXEC,      /* sf_exec_event */
  SF_EVENT_EXIT,      /* sf_exit_event */
  SF_EVENT_COUNTS,    /* sf_counts_event: a task's counters, then reset */
  SF_EVENT_CARRY,     /* sf_carry_event: a counter wrapped */
  SF_EVENT_DISCOVERY, /* sf_call_event: the first x86-64 call of a number in the whole tree */
  SF_EVENT_CALL,      /* sf_call_event: one call (only when call events are on) */
  SF_EVENT_JOIN,      /* sf_exec_event: a task of the watched cgroup, first seen (former_tid:
                         its process) */
  SF_EVENT_ARGUMENT,  /* sf_argument_event: a value the task had not passed before */
  SF_EVENT_SITE,      /* sf_site_event: a syscall site the task had not used before */
  SF_EVENT_FILE,      /* sf_exec_event: the path of a file a site lies in, sent before the
                         file's first site (former_tid: the process that maps it; launch: 0) */
};

struct sf_event_header {
  __u32 kind;
  __u32 tid;     /* the thread the record is about */
  __u64 time_ns; /* CLOCK_MONOTONIC */
};

enum sf_spawn_kind { SF_SPAWN_FORK = 0, SF_SPAWN_VFORK = 1, SF_SPAWN_CLONE = 2 };

struct sf_fork_event {
  struct sf_event_header header; /* tid: the parent thread */
  __u32 child_tid;
  __u32 child_tgid;
  __u32 spawn_kind; /* sf_spawn_kind, as ptrace tells them apart */
  __u32 tracked;    /* 0: the tasks map was full, the child is not recorded */
};

/* The executable's path is sent as its components, last first, each ending in a NUL:
 * "ls\0bin\0usr\0" is /usr/bin/ls. */
#define SF_PATH_BYTES 4096
#define SF_NAME_BYTES 256
#define SF_PATH_DEPTH 64

/* Sent without the unused end of `path`. */
struct sf_exec_event {
  struct sf_event_header header; /* tid: the process id after the exec */
  __u32 former_tid;              /* the thread that called execve */
  __u32 launch;                  /* the command's own first execve */
  __u32 path_bytes;
  __u32 path_complete; /* 0: deeper than SF_PATH_DEPTH or longer than SF_PATH_BYTES */
  __u32 exe_dev;       /* the executable's (SF_EVENT_FILE: the file's) device (the kernel's
                          dev_t: major << 20 | minor) */
  __u32 reserved;
  __u64 exe_inode; /* and inode number */
  char path[SF_PATH_BYTES];
};

struct sf_exit_event {
  struct sf_event_header header;
  __u32 tgid;
  __s32 exit_code; /* the kernel's exit code: (status << 8) | signal */
};

/* A task's counters as four-counter words (slots 4 * word .. 4 * word + 3), only the words
 * that are not all zero. */
#define SF_COUNT_WORDS (SF_SLOTS / 4)

struct sf_count_word {
  __u32 word;
  __u16 counts[4];
};

struct sf_counts_event {
  struct sf_event_header header;
  __u32 tgid;
  __u32 epoch;
  __u32 unrecordable;
  __u32 word_count; /* entries in `words` */
  struct sf_count_word words[SF_COUNT_WORDS];
};

struct sf_carry_event {
  struct sf_event_header header;
  __u32 epoch;
  __u32 slot;
};

struct sf_call_event {
  struct sf_event_header header;
  __u32 tgid;
  __u32 slot; /* SF_SLOTS: an unrecordable call */
};

/* The argument table's arguments (syscalls/argument_table.h), written by the loader into the
 * program's read-only data: per x86-64 number, which argument registers to record (0-5:
 * rdi, rsi, rdx, r10, r8, r9) and the mask each value is kept under. */
#define SF_ARGS_PER_CALL 2

struct sf_argument_spec {
  __u8 count; /* arguments recorded for this number: 0 for most */
  __u8 index[SF_ARGS_PER_CALL];
  __u8 reserved[5];
  __u64 mask[SF_ARGS_PER_CALL];
};

/* A value is sent once per task and image (serial), phase epoch, call and argument: the key
 * of the `seen_arguments` map. */
struct sf_argument_key {
  __u32 serial;
  __u32 epoch;
  __u16 number;
  __u8 index;
  __u8 reserved[5];
  __u64 value;
};

struct sf_argument_event {
  struct sf_event_header header;
  __u32 tgid;
  __u32 epoch;
  __u16 number; /* x86-64 */
  __u8 index;
  __u8 reserved[5];
  __u64 value; /* masked */
};

/* A syscall site is sent once per task and image (serial), x86-64 number and return address:
 * the key of the `seen_sites` map. */
struct sf_site_key {
  __u32 serial;
  __u16 number;
  __u16 reserved;
  __u64 address; /* the return address: the `syscall` instruction is the 2 bytes before it */
};

enum sf_site_place {
  SF_SITE_FILE = 0,      /* in a mapped file: dev, inode, offset */
  SF_SITE_VDSO = 1,      /* in the vDSO: offset */
  SF_SITE_ANONYMOUS = 2, /* in memory no file backs (JIT code), or no mapping was found */
};

struct sf_site_event {
  struct sf_event_header header;
  __u32 tgid;
  __u16 number; /* x86-64 */
  __u16 place;  /* sf_site_place */
  __u32 dev;    /* the file's device (the kernel's dev_t: major << 20 | minor) */
  __u32 reserved;
  __u64 inode;
  __u64 offset; /* of the `syscall` instruction in the file (or the vDSO) */
};

/* A file whose path has been sent (SF_EVENT_FILE): the key of the `named_files` map. */
struct sf_file_key {
  __u32 dev;
  __u32 reserved;
  __u64 inode;
};

/* NOLINTEND(readability-identifier-naming) */

#endif /* SYSFENCE_EBPF_RECORDER_ABI_H_ */
