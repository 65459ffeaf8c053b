// `sysfence trace --backend ebpf`: runs a command with the eBPF recorder (bpf_recorder.h)
// feeding the backend-neutral Recorder (record/recorder.h), so that the profile is built by the
// same rules as under ptrace, while the program runs at native speed and is never stopped:
// signals, job control, and a debugger or strace run by the program itself work as without
// sysfence.
//
//   if (std::optional<std::string> why = EbpfUnsupportedTrigger(specs)) ...;  // use ptrace
//   Result<std::unique_ptr<BpfRecorder>> bpf = BpfRecorder::Create({});
//   Result<EbpfTraceResult> done = EbpfTraceCommand({.command = {"ls", "/"}}, **bpf, &observer);
//   WriteProfileFile("ls.json", done->recording.profile);
//   return done->recording.exit_status;
#ifndef SYSFENCE_EBPF_EBPF_TRACE_H_
#define SYSFENCE_EBPF_EBPF_TRACE_H_

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "ebpf/bpf_recorder.h"
#include "phases/phase_trigger.h"
#include "record/attach.h"
#include "record/idle_request.h"
#include "record/recorder.h"
#include "record/trace_observer.h"

namespace sysfence {

struct EbpfTraceOptions {
  // The command and its arguments; a command without '/' is searched in PATH.
  std::vector<std::string> command;
  // The recorder was created with call_events: every call goes to the observer (--events,
  // --auto-phases), not only each syscall's first.
  bool every_call = false;
  // Catch SIGINT/SIGTERM/SIGHUP: kill the recorded tree and return what was seen, marked
  // incomplete (as the ptrace backend does).
  bool catch_termination_signals = true;
  // Served (after the observer's OnIdle and the phase it leads to are in effect in the kernel)
  // whenever another thread asks; closed when the recording ends. May be null.
  IdleRequest* idle = nullptr;
};

struct EbpfTraceResult {
  // The profile (incomplete when the kernel lost records or tasks), the command's exit
  // status (-1 when interrupted), the calls counted and the warnings.
  Recording recording;
  int interrupted_by = 0;  // the termination signal sysfence received, or 0
};

// Why the eBPF backend cannot keep the phases of `specs` exactly, or nullopt. Only `mark`
// triggers can be followed: every other kind decides at the call (or exec, or signal) itself
// which phase it and what follows belong to, and the eBPF recorder learns of calls only after
// they ran.
std::optional<std::string> EbpfUnsupportedTrigger(const std::vector<PhaseSpec>& specs);

// Resolves the command (errors name it), starts it with `recorder` watching and records the
// whole process tree until every process has ended. Like TraceCommand, it makes sysfence the
// child subreaper of the tree and must be the only one waiting for children meanwhile.
// `observer` may be null.
Result<EbpfTraceResult> EbpfTraceCommand(const EbpfTraceOptions& options, BpfRecorder& recorder,
                                         TraceObserver* observer);

// Records what already runs (`sysfence trace --pid PID`, `--cgroup PATH`; record/attach.h):
// checks the processes and the cgroup (errors name the argument), adds them to `recorder` and
// records until the end `options` names. The recorded processes are never stopped and run on
// untouched when it returns. `every_call` and `idle` as in EbpfTraceOptions.
//
//   AttachOptions options{.pids = {1234}, .duration_ns = 600'000'000'000};
//   Result<AttachResult> done = EbpfAttach(options, false, nullptr, **bpf, &observer);
//   WriteProfileFile("service.json", done->recording.profile);
Result<AttachResult> EbpfAttach(const AttachOptions& options, bool every_call, IdleRequest* idle,
                                BpfRecorder& recorder, TraceObserver* observer);

}  // namespace sysfence

#endif  // SYSFENCE_EBPF_EBPF_TRACE_H_
