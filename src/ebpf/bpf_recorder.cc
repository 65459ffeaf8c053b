// BpfRecorder (see bpf_recorder.h): skeleton loading with a minimal kernel BTF, the ring-buffer
// reader and the decoding of the kernel's records (layouts in recorder_abi.h).
#include "ebpf/bpf_recorder.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/capability.h>
#include <linux/types.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstring>
#include <mutex>
#include <vector>

#include "base/file_util.h"
#include "base/proc_status.h"
#include "base/unique_fd.h"
#include "ebpf/kernel_btf.h"
#include "ebpf/recorder_abi.h"
#include "recorder.skel.h"
#include "syscalls/argument_table.h"

namespace sysfence {
namespace {

// Every kernel member recorder.bpf.c reads (its CO-RE relocations). A member missing here
// makes the load fail with libbpf's "failed to resolve CO-RE relocation", so every test that
// loads the recorder checks this list.
constexpr KernelField kRecorderFields[] = {
    {"task_struct", "thread_info"},
    {"thread_info", "status"},
    {"task_struct", "pid"},
    {"task_struct", "tgid"},
    {"task_struct", "vfork_done"},
    {"task_struct", "exit_signal"},
    {"task_struct", "exit_code"},
    {"task_struct", "mm"},
    {"mm_struct", "exe_file"},
    {"file", "f_path"},
    {"file", "f_inode"},
    {"inode", "i_ino"},
    {"inode", "i_sb"},
    {"super_block", "s_dev"},
    {"path", "dentry"},
    {"path", "mnt"},
    {"dentry", "d_parent"},
    {"dentry", "d_name"},
    {"qstr", "name"},
    {"mount", "mnt"},
    {"mount", "mnt_parent"},
    {"mount", "mnt_mountpoint"},
    {"vfsmount", "mnt_root"},
    {"vm_area_struct", "vm_start"},
    {"vm_area_struct", "vm_pgoff"},
    {"vm_area_struct", "vm_file"},
    {"vm_area_struct", "vm_private_data"},
    {"vm_special_mapping", "name"},
    {"pt_regs", "ip"},
    {"pt_regs", "orig_ax"},
    {"pt_regs", "di"},
    {"pt_regs", "si"},
    {"pt_regs", "dx"},
    {"pt_regs", "r10"},
    {"pt_regs", "r8"},
    {"pt_regs", "r9"},
    {"pt_regs", "bx"},
};

// libbpf reports through one process-wide callback; its warnings are kept (the last few
// kilobytes) so that a failed load can say why.
std::mutex log_mutex;
std::string* libbpf_log = nullptr;

int KeepLibbpfMessage(enum libbpf_print_level level, const char* format, va_list args) {
  if (level == LIBBPF_DEBUG) return 0;
  char line[1024];
  int n = vsnprintf(line, sizeof line, format, args);
  std::lock_guard lock(log_mutex);
  if (libbpf_log != nullptr && n > 0) {
    libbpf_log->append(line);
    if (libbpf_log->size() > 8192) libbpf_log->erase(0, libbpf_log->size() - 8192);
  }
  return 0;
}

class LibbpfLogCapture {
 public:
  LibbpfLogCapture() {
    std::lock_guard lock(log_mutex);
    libbpf_log = &text_;
    libbpf_set_print(KeepLibbpfMessage);
  }
  ~LibbpfLogCapture() {
    std::lock_guard lock(log_mutex);
    libbpf_log = nullptr;
  }
  LibbpfLogCapture(const LibbpfLogCapture&) = delete;
  LibbpfLogCapture& operator=(const LibbpfLogCapture&) = delete;
  // Why the load failed: the verifier's last words when it rejected a program, else the last
  // line libbpf printed.
  std::string Reason() {
    std::lock_guard lock(log_mutex);
    std::vector<std::string_view> lines;
    for (size_t start = 0; start < text_.size();) {
      size_t end = text_.find('\n', start);
      if (end == std::string::npos) end = text_.size();
      if (end > start) lines.emplace_back(text_.data() + start, end - start);
      start = end + 1;
    }
    std::string_view reason;
    for (size_t i = 0; i < lines.size(); ++i) {
      if (lines[i].starts_with("processed ") && i > 0 && reason.empty()) reason = lines[i - 1];
    }
    if (reason.empty()) {
      for (std::string_view line : lines) {
        if (line.starts_with("libbpf: ")) reason = line.substr(8);
      }
    }
    return std::string(reason);
  }

 private:
  std::string text_;
};

Error LoadError(int error, LibbpfLogCapture& log) {
  if (error == EPERM || error == EACCES) {
    return MakeError(
        "the kernel does not permit loading the eBPF recorder ({}): it needs root, or "
        "CAP_BPF and CAP_PERFMON{}",
        strerror(error),
        access("/sys/kernel/security/lockdown", R_OK) == 0 &&
                ReadFile("/sys/kernel/security/lockdown").value_or("").find("[confidentiality]") !=
                    std::string::npos
            ? ", and a kernel not locked down in confidentiality mode"
            : "");
  }
  std::string detail = log.Reason();
  return MakeError("loading the eBPF recorder failed ({}){}{}", strerror(error),
                   detail.empty() ? "" : ": ", detail);
}

// The path of a sf_exec_event: components last first, each NUL-terminated.
std::string JoinPath(const char* components, size_t bytes) {
  std::vector<std::string_view> parts;
  size_t at = 0;
  while (at < bytes) {
    size_t length = strnlen(components + at, bytes - at);
    parts.emplace_back(components + at, length);
    at += length + 1;
  }
  std::string path;
  for (auto part = parts.rbegin(); part != parts.rend(); ++part) {
    path += '/';
    path += *part;
  }
  // No component: the file is the root of a mount no longer attached anywhere (an executable
  // is never a namespace's root directory), which no path names.
  return path;
}

// The argument table (syscalls/argument_table.h) as the kernel program reads it.
void SetArgumentSpecs(volatile sf_argument_spec (&specs)[SF_X86_64_LIMIT]) {
  for (const ArgumentSpec& spec : ArgumentSpecs()) {
    if (spec.syscall < 0 || spec.syscall >= SF_X86_64_LIMIT) continue;
    volatile sf_argument_spec& into = specs[spec.syscall];
    if (into.count >= SF_ARGS_PER_CALL) continue;  // bpf_recorder_test checks that all fit
    into.index[into.count] = spec.index;
    into.mask[into.count] = spec.mask;
    into.count = into.count + 1;
  }
}

BpfCallEvent CallOf(const sf_call_event& record) {
  BpfCallEvent event;
  event.tid = static_cast<pid_t>(record.header.tid);
  event.tgid = static_cast<pid_t>(record.tgid);
  event.monotonic_ns = static_cast<int64_t>(record.header.time_ns);
  if (record.slot >= SF_SLOTS) {
    event.number = -1;
  } else if (record.slot >= SF_I386_BASE) {
    event.arch = BpfArch::kI386;
    event.number = static_cast<int>(record.slot - SF_I386_BASE);
  } else {
    event.number = static_cast<int>(record.slot);
  }
  return event;
}

template <typename Record>
const Record* As(const void* data, size_t size) {
  return size >= sizeof(Record) ? static_cast<const Record*>(data) : nullptr;
}

// A record sent without the unused end (`tail` bytes at most) of its last field; the caller
// checks the length the record declares.
template <typename Record>
const Record* AsPrefix(const void* data, size_t size, size_t tail) {
  return size >= sizeof(Record) - tail ? static_cast<const Record*>(data) : nullptr;
}

// The kernel's dev_t (major << 20 | minor) as stat(2) gives it.
uint64_t UserDev(uint32_t kernel_dev) { return makedev(kernel_dev >> 20, kernel_dev & 0xfffff); }

timespec Now() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return now;
}

double MillisecondsSince(timespec start) {
  timespec now = Now();
  return static_cast<double>(now.tv_sec - start.tv_sec) * 1e3 +
         static_cast<double>(now.tv_nsec - start.tv_nsec) / 1e6;
}

bool HasCapability(const __user_cap_data_struct (&data)[2], int capability) {
  return (data[capability / 32].effective & (1u << (capability % 32))) != 0;
}

}  // namespace

std::optional<std::string> BpfRecorderUnavailable() {
  if (access(kKernelBtfPath, R_OK) != 0) {
    return fmt::format("this kernel publishes no BTF type information ({}: {})", kKernelBtfPath,
                       strerror(errno));
  }
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  if (syscall(SYS_capget, &header, data) == 0 && !HasCapability(data, CAP_SYS_ADMIN) &&
      !(HasCapability(data, CAP_BPF) && HasCapability(data, CAP_PERFMON))) {
    return "loading BPF programs needs root (CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN)";
  }
  Result<std::string> status = ReadFile("/proc/self/status");
  if (status.ok() && StatusNumbers(*status, "NSpid").size() > 1) {
    return "sysfence runs in a pid namespace of its own (a container): the eBPF recorder needs "
           "the kernel's own process ids";
  }
  return std::nullopt;
}

Result<std::unique_ptr<BpfRecorder>> BpfRecorder::Create(const BpfRecorderOptions& options) {
  BpfLoadTimes times;
  timespec step = Now();
  Result<std::string> btf = MinimalKernelBtf(kRecorderFields);
  times.kernel_btf = MillisecondsSince(step);
  if (!btf.ok()) return btf.error();
  // libbpf reads the BTF from a path: an anonymous file in memory serves.
  UniqueFd btf_file(memfd_create("sysfence-kernel-btf", MFD_CLOEXEC));
  if (!btf_file.valid()) return MakeError("memfd_create: {}", strerror(errno));
  if (Status written = WriteAll(btf_file.get(), *btf); !written.ok()) return written.error();
  std::string btf_path = fmt::format("/proc/self/fd/{}", btf_file.get());

  LibbpfLogCapture log;
  std::unique_ptr<BpfRecorder> recorder(new BpfRecorder());
  LIBBPF_OPTS(bpf_object_open_opts, open_options, .btf_custom_path = btf_path.c_str());
  step = Now();
  recorder->skeleton_ = sf_recorder__open_opts(&open_options);
  if (recorder->skeleton_ == nullptr) return LoadError(errno, log);
  times.open = MillisecondsSince(step);
  recorder->skeleton_->rodata->call_events = options.call_events ? 1 : 0;
  recorder->skeleton_->rodata->record_sites = options.sites ? 1 : 0;
  SetArgumentSpecs(recorder->skeleton_->rodata->argument_specs);
  // A record per call needs room to wait while sysfence writes the events file.
  if (options.call_events) bpf_map__set_max_entries(recorder->skeleton_->maps.events, 16 << 20);
  step = Now();
  if (int error = sf_recorder__load(recorder->skeleton_); error != 0) {
    return LoadError(-error, log);
  }
  times.load = MillisecondsSince(step);
  step = Now();
  if (int error = sf_recorder__attach(recorder->skeleton_); error != 0) {
    return LoadError(-error, log);
  }
  recorder->ring_ = ring_buffer__new(bpf_map__fd(recorder->skeleton_->maps.events),
                                     &BpfRecorder::HandleRecord, recorder.get(), nullptr);
  if (recorder->ring_ == nullptr) {
    return MakeError("opening the eBPF recorder's ring buffer: {}", strerror(errno));
  }
  times.attach = MillisecondsSince(step);
  recorder->load_times_ = times;
  return recorder;
}

BpfRecorder::~BpfRecorder() {
  if (ring_ != nullptr) ring_buffer__free(ring_);
  if (skeleton_ != nullptr) sf_recorder__destroy(skeleton_);
}

Status BpfRecorder::RunTaskProgram(int program_fd, pid_t tid, pid_t tgid, uint32_t flags,
                                   int* result) {
  sf_track_args request{};
  request.tid = static_cast<__u32>(tid);
  request.tgid = static_cast<__u32>(tgid);
  request.flags = flags;
  // A syscall program's context is copied back into ctx_in when it returns.
  LIBBPF_OPTS(bpf_test_run_opts, run, .ctx_in = &request, .ctx_size_in = sizeof request);
  if (bpf_prog_test_run_opts(program_fd, &run) != 0) return MakeError("{}", strerror(errno));
  *result = request.result;
  return Ok{};
}

Status BpfRecorder::Track(pid_t tid, pid_t tgid, bool launching) {
  int result = 0;
  Status ran = RunTaskProgram(bpf_program__fd(skeleton_->progs.sf_track), tid, tgid,
                              launching ? SF_TASK_LAUNCHING : 0, &result);
  if (!ran.ok()) {
    return MakeError("adding task {} to the eBPF recorder: {}", tid, ran.error().message());
  }
  if (result < 0) {
    return MakeError("adding task {} to the eBPF recorder: {}", tid, strerror(-result));
  }
  return Ok{};
}

Status BpfRecorder::Untrack(pid_t tid) {
  int result = 0;
  Status ran = RunTaskProgram(bpf_program__fd(skeleton_->progs.sf_untrack), tid, 0, 0, &result);
  if (!ran.ok()) {
    return MakeError("removing task {} from the eBPF recorder: {}", tid, ran.error().message());
  }
  return Ok{};
}

Status BpfRecorder::WatchCgroup(int cgroup_fd) {
  __u32 key = 0;
  auto value = static_cast<__u32>(cgroup_fd);
  if (bpf_map__update_elem(skeleton_->maps.watched_cgroup, &key, sizeof key, &value, sizeof value,
                           BPF_ANY) != 0) {
    return MakeError("watching the cgroup in the eBPF recorder: {}", strerror(errno));
  }
  __atomic_store_n(&skeleton_->bss->cgroup_mode, 1, __ATOMIC_RELEASE);
  return Ok{};
}

void BpfRecorder::Stop() { sf_recorder__detach(skeleton_); }

std::vector<BpfCalls> BpfRecorder::PendingCounts() const {
  std::vector<BpfCalls> pending;
  // One task's value is 3 KiB: read them one at a time.
  auto task = std::make_unique<sf_task>();
  auto take = [&](const sf_task& value) {
    if (value.owner == 0) return;
    BpfCalls calls;
    calls.tid = static_cast<pid_t>(value.owner);
    calls.tgid = static_cast<pid_t>(value.tgid);
    calls.epoch = value.epoch;
    for (uint32_t slot = 0; slot < SF_SLOTS; ++slot) {
      if (value.counts[slot] == 0) continue;
      bool i386 = slot >= SF_I386_BASE;
      calls.arch = i386 ? BpfArch::kI386 : BpfArch::kX86_64;
      calls.number = static_cast<int>(i386 ? slot - SF_I386_BASE : slot);
      calls.count = value.counts[slot];
      pending.push_back(calls);
    }
  };
  int slots = bpf_map__fd(skeleton_->maps.task_slots);
  for (__u32 index = 0; index < SF_TASK_SLOTS; ++index) {
    if (bpf_map_lookup_elem(slots, &index, task.get()) == 0) take(*task);
  }
  int overflow = bpf_map__fd(skeleton_->maps.overflow_tasks);
  __u32 key = 0;
  bool first = true;
  while (bpf_map_get_next_key(overflow, first ? nullptr : &key, &key) == 0) {
    first = false;
    if (bpf_map_lookup_elem(overflow, &key, task.get()) == 0) take(*task);
  }
  return pending;
}

void BpfRecorder::SetEpoch(uint32_t epoch) {
  __atomic_store_n(&skeleton_->bss->epoch, epoch, __ATOMIC_RELEASE);
}

int BpfRecorder::ReadyFd() const { return ring_buffer__epoll_fd(ring_); }

Result<int> BpfRecorder::Poll(int timeout_ms, BpfEventSink& sink) {
  sink_ = &sink;
  int handled =
      timeout_ms == 0 ? ring_buffer__consume(ring_) : ring_buffer__poll(ring_, timeout_ms);
  sink_ = nullptr;
  if (handled == -EINTR) return 0;
  if (handled < 0) return MakeError("reading the eBPF recorder's events: {}", strerror(-handled));
  return handled;
}

BpfLosses BpfRecorder::Losses() const {
  BpfLosses losses;
  losses.lost_events = __atomic_load_n(&skeleton_->bss->lost_events, __ATOMIC_RELAXED);
  losses.untracked_tasks = __atomic_load_n(&skeleton_->bss->untracked_tasks, __ATOMIC_RELAXED);
  losses.malformed_events = malformed_;
  return losses;
}

int BpfRecorder::TrackedTasks() const {
  return static_cast<int>(__atomic_load_n(&skeleton_->bss->live_tasks, __ATOMIC_RELAXED));
}

int BpfRecorder::HandleRecord(void* self, void* data, size_t size) {
  return static_cast<BpfRecorder*>(self)->Dispatch(data, size);
}

int BpfRecorder::Dispatch(const void* data, size_t size) {
  const auto* header = As<sf_event_header>(data, size);
  if (header == nullptr || sink_ == nullptr) {
    ++malformed_;
    return 0;
  }
  auto time = static_cast<int64_t>(header->time_ns);
  auto tid = static_cast<pid_t>(header->tid);
  switch (header->kind) {
    case SF_EVENT_FORK:
      if (const auto* record = As<sf_fork_event>(data, size)) {
        BpfSpawnKind kind = record->spawn_kind == SF_SPAWN_VFORK   ? BpfSpawnKind::kVfork
                            : record->spawn_kind == SF_SPAWN_CLONE ? BpfSpawnKind::kClone
                                                                   : BpfSpawnKind::kFork;
        sink_->OnFork({tid, static_cast<pid_t>(record->child_tid),
                       static_cast<pid_t>(record->child_tgid), kind, record->tracked != 0, time});
        return 0;
      }
      break;
    case SF_EVENT_EXEC:
    case SF_EVENT_JOIN:
    case SF_EVENT_FILE:
      if (const auto* record = AsPrefix<sf_exec_event>(data, size, SF_PATH_BYTES);
          record != nullptr && record->path_bytes <= SF_PATH_BYTES &&
          size >= sizeof(sf_exec_event) - SF_PATH_BYTES + record->path_bytes) {
        std::string path =
            record->path_complete != 0 ? JoinPath(record->path, record->path_bytes) : "";
        uint64_t dev = UserDev(record->exe_dev);
        if (header->kind == SF_EVENT_FILE) {
          sink_->OnFileName({dev, record->exe_inode, path});
          return 0;
        }
        BpfExecEvent event{tid,
                           static_cast<pid_t>(record->former_tid),
                           record->launch != 0,
                           path,
                           dev,
                           record->exe_inode,
                           time};
        if (header->kind == SF_EVENT_JOIN) {
          sink_->OnJoin(event);
        } else {
          sink_->OnExec(event);
        }
        return 0;
      }
      break;
    case SF_EVENT_EXIT:
      if (const auto* record = As<sf_exit_event>(data, size)) {
        int code = record->exit_code;
        bool killed = (code & 0x7f) != 0;
        sink_->OnExit({tid, static_cast<pid_t>(record->tgid), killed,
                       killed ? code & 0x7f : (code >> 8) & 0xff, time});
        return 0;
      }
      break;
    case SF_EVENT_COUNTS:
      if (const auto* record =
              AsPrefix<sf_counts_event>(data, size, sizeof(sf_counts_event::words));
          record != nullptr && record->word_count <= SF_COUNT_WORDS &&
          size >= sizeof(sf_counts_event) - sizeof record->words +
                      record->word_count * sizeof(sf_count_word)) {
        BpfCalls calls;
        calls.tid = tid;
        calls.tgid = static_cast<pid_t>(record->tgid);
        calls.epoch = record->epoch;
        for (uint32_t i = 0; i < record->word_count; ++i) {
          const sf_count_word& word = record->words[i];
          for (uint32_t k = 0; k < 4; ++k) {
            uint32_t slot = word.word * 4 + k;
            if (word.counts[k] == 0 || slot >= SF_SLOTS) continue;
            bool i386 = slot >= SF_I386_BASE;
            calls.arch = i386 ? BpfArch::kI386 : BpfArch::kX86_64;
            calls.number = static_cast<int>(i386 ? slot - SF_I386_BASE : slot);
            calls.count = word.counts[k];
            sink_->OnCalls(calls);
          }
        }
        if (record->unrecordable != 0) sink_->OnUnrecordable(tid, record->unrecordable);
        return 0;
      }
      break;
    case SF_EVENT_CARRY:
      if (const auto* record = As<sf_carry_event>(data, size);
          record != nullptr && record->slot < SF_SLOTS) {
        BpfCalls calls;
        calls.tid = tid;
        calls.epoch = record->epoch;
        bool i386 = record->slot >= SF_I386_BASE;
        calls.arch = i386 ? BpfArch::kI386 : BpfArch::kX86_64;
        calls.number = static_cast<int>(i386 ? record->slot - SF_I386_BASE : record->slot);
        calls.count = uint64_t{1} << SF_COUNTER_BITS;
        sink_->OnCalls(calls);
        return 0;
      }
      break;
    case SF_EVENT_ARGUMENT:
      if (const auto* record = As<sf_argument_event>(data, size);
          record != nullptr && record->number < SF_X86_64_LIMIT && record->index < 6) {
        sink_->OnArgument({tid, static_cast<pid_t>(record->tgid), record->epoch, record->number,
                           record->index, record->value});
        return 0;
      }
      break;
    case SF_EVENT_SITE:
      if (const auto* record = As<sf_site_event>(data, size); record != nullptr &&
                                                              record->number < SF_X86_64_LIMIT &&
                                                              record->place <= SF_SITE_ANONYMOUS) {
        BpfSitePlace place = record->place == SF_SITE_FILE   ? BpfSitePlace::kFile
                             : record->place == SF_SITE_VDSO ? BpfSitePlace::kVdso
                                                             : BpfSitePlace::kAnonymous;
        sink_->OnSite({tid, static_cast<pid_t>(record->tgid), place, UserDev(record->dev),
                       record->inode, record->offset, record->number});
        return 0;
      }
      break;
    case SF_EVENT_DISCOVERY:
    case SF_EVENT_CALL:
      if (const auto* record = As<sf_call_event>(data, size)) {
        BpfCallEvent event = CallOf(*record);
        if (header->kind == SF_EVENT_DISCOVERY) {
          sink_->OnFirstCall(event);
        } else {
          sink_->OnCall(event);
        }
        return 0;
      }
      break;
    default:
      break;
  }
  ++malformed_;
  return 0;
}

}  // namespace sysfence
