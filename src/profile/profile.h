// The Profile: the one data type every source produces (trace, import-strace, static) and
// every sink consumes (compare, filter, run, report). Its JSON form is a public contract
// (docs/DESIGN.md, "Profile JSON (version 1)"); profile_json.h reads and writes it.
//
//   Profile p;
//   p.kind = ProfileKind::kDynamic;
//   p.target = "/usr/bin/diff";
//   p.RecordCall("/usr/bin/diff", *SyscallNumber("openat"));
//   std::string json = ProfileToJsonText(p);
#ifndef SYSFENCE_PROFILE_PROFILE_H_
#define SYSFENCE_PROFILE_PROFILE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "profile/argument_values.h"
#include "profile/syscall_set.h"

namespace sysfence {

enum class ProfileKind { kDynamic, kStatic, kMerged, kHybrid };
std::string_view ProfileKindName(ProfileKind kind);
std::optional<ProfileKind> ProfileKindFromName(std::string_view name);

// One execution phase: what was called while the phase was current.
struct Phase {
  std::string name = {};
  SyscallSet syscalls = {};
  std::string trigger = {};  // what entered the phase ("" for the first phase)
  std::map<int, uint64_t> counts = {};
  // Per executable image (dynamic), as the profile's `images`: the calls each image made
  // while the phase was current. Empty when unknown (older files, hand-written profiles).
  std::map<std::string, SyscallSet> images = {};
  // Argument values (format version 2) while the phase was current.
  ArgumentValues args = {};
};

// A place in a binary (static analysis evidence and unresolved sites).
struct CodeLocation {
  std::string image;     // path of the object
  std::string function;  // symbol name, or "sub_<hex>" for unnamed code
  uint64_t address = 0;  // virtual address in the object's own address space
  bool operator==(const CodeLocation&) const = default;
};

// A syscall site whose number static analysis could not determine.
struct UnresolvedSite {
  CodeLocation location;
  std::string reason;
};

// An object static analysis loaded beyond DT_NEEDED (dlopen, NSS, --dlopen), and why.
struct AddedObject {
  std::string path;
  std::string reason;
};

// A static profile of a script (a file starting with "#!"): the set is that of the programs
// its `#!` line makes the process run.
struct ScriptInfo {
  std::string line;                   // the `#!` line, without "#!"
  std::vector<std::string> programs;  // absolute paths, in the order the process runs them
};

// The first call of one syscall in a trace (dynamic): the discovery timeline.
struct Discovery {
  double time = 0;  // seconds since the trace started
  int number = -1;
  int pid = 0;
};

// The image key of a dynamic profile's very first execve, the one that starts the command: it
// is made by the launcher (sysfence's child, or strace) before the command is loaded, by a
// process that is not yet the command. The same fixed key for traces and strace imports, so
// profiles of one workload compare equal whichever way they were made and wherever sysfence
// is installed.
inline constexpr std::string_view kLauncherImage = "[launcher]";

struct Profile {
  ProfileKind kind = ProfileKind::kDynamic;
  std::string arch = "x86_64";
  std::string target;
  int runs = 1;
  // The union of everything in the profile.
  SyscallSet syscalls;
  // Calls per syscall number (dynamic).
  std::map<int, uint64_t> counts;
  // In how many of `runs` each syscall appeared.
  std::map<int, int> seen_in_runs;
  // Set per executable image (dynamic) or per object (static), keyed by absolute path.
  std::map<std::string, SyscallSet> images;
  // Argument values of the table's syscalls (format version 2; argument_values.h): the
  // whole profile's, and per image as `images`.
  ArgumentValues args;
  std::map<std::string, ArgumentValues> image_args;
  std::vector<Phase> phases;
  // i386 syscalls made through `int 0x80` by a 64-bit process, by i386 name.
  std::map<std::string, uint64_t> compat_i386;
  // Hybrid profiles: syscalls allowed with a softer action (found only statically).
  SyscallSet soft_syscalls;
  // Static analysis.
  std::vector<UnresolvedSite> unresolved;
  std::map<int, std::vector<CodeLocation>> evidence;
  std::vector<AddedObject> added_objects;
  // `static --from FUNCTION`: the function the set is reachable from (absent: the whole
  // process).
  std::optional<CodeLocation> from_function;
  // Static analysis of a script: what its `#!` line runs (absent for a program).
  std::optional<ScriptInfo> script;
  // First call of each syscall, in time order (dynamic).
  std::vector<Discovery> discovery;
  // The syscall sites that ran (dynamic): per mapped file (absolute path, or "[vdso]"), the
  // file offset of each `syscall` instruction that issued a call, with the calls it issued.
  // Keyed by the file that holds the code (a library's own path), not by the image that ran.
  std::map<std::string, std::map<uint64_t, SyscallSet>> sites;
  // True when the trace was interrupted (sysfence got SIGINT/SIGTERM) before the program ended.
  bool incomplete = false;
  // Exit status of the traced program as `trace` reports it (dynamic; -1 when unknown).
  int exit_status = -1;

  // Records one call of `number` made by `image` (and the current phase, if any).
  void RecordCall(const std::string& image, int number, uint64_t times = 1);
  // Makes `seen_in_runs` say "seen in this one run" for everything in `syscalls`.
  void MarkSeenInOneRun();
};

}  // namespace sysfence

#endif  // SYSFENCE_PROFILE_PROFILE_H_
