// `sysfence run`: starts a program under a seccomp filter made from a profile. The launcher
// forks, the child sets no_new_privs, installs the filter and execs the program; the parent
// waits and returns the program's exit status (128+N when a signal N killed it).
//
//   LaunchOptions options;
//   options.argv = {"diff", "a.txt", "b.txt"};
//   options.policy = MakeFilterPolicy(profile, filter_options).value();
//   Result<LaunchResult> result = Launch(options);
//   result->exit_status;
//
// Learning mode (options.learn, `--action log`): nothing is blocked. The filter returns
// SECCOMP_RET_TRACE for every call outside the profile (and for a hybrid profile's soft
// calls), the parent supervises with ptrace (seccomp_supervisor.h), counts those calls and
// lets them run. The kernel's own SECCOMP_RET_LOG would only reach the audit log.
//
// Phased mode (options.phased, `--phased`): the filter of the PhasedPolicy, supervised like
// learning mode, with a PhaseEnforcer (phase_enforcer.h) answering the traced calls.
//
// The launcher's own exec through a profile without execve. After the filter is installed,
// the child must still call execve (and, if that fails, write an error and exit). The filter
// allows execve, write and exit_group when args[3], args[4] and args[5] hold a marker: three
// 64-bit values from getrandom(), fresh for every launch. These three calls do not use those
// argument registers (r10, r8, r9), so the child passes the marker there; the program's own
// calls of the same kind get the profile's verdict. Why this is safe:
//   - Guessing the marker means hitting 192 random bits; with --action errno a program could
//     try again and again, which rules out markers with little entropy (the pathname pointer
//     the launcher passes is an ASLR address, worth about 30 bits, and the program can put any
//     path at any address it maps).
//   - The marker does not survive into the program: exec discards the child's memory and the
//     kernel clears r8-r11 for the new image. The program cannot read its filter back
//     (PTRACE_SECCOMP_GET_FILTER needs CAP_SYS_ADMIN); the parent, which keeps the filter,
//     wipes its copy once the child has it and makes itself non-dumpable, so /proc/PID/mem and
//     process_vm_readv on it need CAP_SYS_PTRACE. A program that holds CAP_SYS_ADMIN or
//     CAP_SYS_PTRACE and may call ptrace or open /proc is beyond what a syscall filter
//     confines anyway.
//   - No supervisor is needed in enforcing mode (RET_TRACE or USER_NOTIF for execve would keep
//     one alive for the whole run), and nothing depends on reading the program's memory,
//     which a second thread could change between the check and the use.
#ifndef SYSFENCE_ENFORCE_LAUNCHER_H_
#define SYSFENCE_ENFORCE_LAUNCHER_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "filter/filter_policy.h"
#include "profile/profile.h"

namespace sysfence {

struct LaunchOptions {
  std::vector<std::string> argv;  // argv[0] is searched in PATH like execvp does
  FilterPolicy policy;
  bool learn = false;
  std::optional<PhasedPolicy> phased;  // replaces `policy`; not with `learn`
};

// What learning mode saw.
struct LearnedCalls {
  std::map<int, uint64_t> outside;       // x86-64 calls outside the profile, by number
  std::map<int, uint64_t> soft;          // a hybrid profile's soft calls that were made
  std::map<std::string, uint64_t> i386;  // i386 calls outside the profile, by i386 name
  std::map<uint64_t, uint64_t> x32;      // x32 calls, by number without the x32 bit
  bool Empty() const { return outside.empty() && soft.empty() && i386.empty() && x32.empty(); }
};

struct LaunchResult {
  std::string program;   // the file that was executed
  int exit_status = 0;   // the program's exit code, or 128+N when signal N killed it
  LearnedCalls learned;  // learning mode only
  std::string phase_log;        // phased mode: the phase switches, one a line
  uint64_t denied_by_phase = 0;  // phased mode: calls the supervisor denied
};

// Fails (before or instead of running the program) when the command cannot be found or
// executed, the filter cannot be compiled, or the kernel refuses it.
Result<LaunchResult> Launch(const LaunchOptions& options);

// The calls learning mode saw, as a dynamic profile of one run of `result.program`.
Profile LearnedProfile(const LaunchResult& result);

}  // namespace sysfence

#endif  // SYSFENCE_ENFORCE_LAUNCHER_H_
