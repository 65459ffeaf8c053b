// Parsing of the trigger language and matching of events against triggers (see
// phase_trigger.h). Matching is cheap for the common case: a trigger names one syscall, so every
// other call is rejected by one integer comparison before any tracee memory is read.
#include "phases/phase_trigger.h"

#include <fnmatch.h>
#include <sys/socket.h>

#include <csignal>
#include <cstring>

#include "syscalls/syscall_table.h"

namespace sysfence {
namespace {

struct PathArgument {
  std::string_view syscall;
  int index;
};

// Syscalls whose argument is a path, and where it is. *at() calls take it second.
constexpr PathArgument kPathArguments[] = {
    {"open", 0},     {"openat", 1},    {"openat2", 1},     {"creat", 0},
    {"stat", 0},     {"lstat", 0},     {"newfstatat", 1},  {"statx", 1},
    {"access", 0},   {"faccessat", 1}, {"faccessat2", 1},  {"execve", 0},
    {"execveat", 1}, {"chdir", 0},     {"mkdir", 0},       {"mkdirat", 1},
    {"rmdir", 0},    {"unlink", 0},    {"unlinkat", 1},    {"rename", 0},
    {"renameat", 1}, {"renameat2", 1}, {"readlink", 0},    {"readlinkat", 1},
    {"chmod", 0},    {"fchmodat", 1},  {"chown", 0},       {"lchown", 0},
    {"fchownat", 1}, {"truncate", 0},  {"link", 0},        {"linkat", 1},
    {"symlink", 1},  {"symlinkat", 2}, {"statfs", 0},      {"utimensat", 1},
    {"chroot", 0},   {"mknod", 0},     {"mknodat", 1},     {"getxattr", 0},
    {"setxattr", 0}, {"listxattr", 0}, {"removexattr", 0}, {"inotify_add_watch", 1},
};

struct NamedNumber {
  std::string_view name;
  int value;
};

constexpr NamedNumber kSocketFamilies[] = {
    {"AF_UNIX", AF_UNIX},   {"AF_LOCAL", AF_LOCAL},     {"AF_INET", AF_INET},
    {"AF_INET6", AF_INET6}, {"AF_NETLINK", AF_NETLINK}, {"AF_PACKET", AF_PACKET},
    {"AF_ALG", AF_ALG},     {"AF_VSOCK", AF_VSOCK},
};

constexpr std::pair<FdKind, std::string_view> kFdKindNames[] = {
    {FdKind::kUnknown, "unknown"}, {FdKind::kFile, "file"}, {FdKind::kSocket, "socket"},
    {FdKind::kTty, "tty"},         {FdKind::kPipe, "pipe"}, {FdKind::kOther, "other"},
};

std::optional<int64_t> ParseInteger(std::string_view text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

std::optional<int> ParseSignal(std::string_view text) {
  if (auto number = ParseInteger(text); number && *number > 0 && *number < 65) {
    return static_cast<int>(*number);
  }
  std::string name(text);
  if (name.starts_with("SIG")) name = name.substr(3);
  for (int signal = 1; signal < 32; ++signal) {
    const char* abbrev = sigabbrev_np(signal);
    if (abbrev != nullptr && name == abbrev) return signal;
  }
  return std::nullopt;
}

const std::vector<int>& ReadCalls() {
  static const std::vector<int> kReads = {*SyscallNumber("read"),    *SyscallNumber("readv"),
                                          *SyscallNumber("pread64"), *SyscallNumber("preadv"),
                                          *SyscallNumber("preadv2"), *SyscallNumber("recvfrom"),
                                          *SyscallNumber("recvmsg"), *SyscallNumber("recvmmsg")};
  return kReads;
}

bool IsReadCall(int number) {
  for (int read : ReadCalls()) {
    if (read == number) return true;
  }
  return false;
}

}  // namespace

std::string_view FdKindName(FdKind kind) {
  for (const auto& [k, name] : kFdKindNames) {
    if (k == kind) return name;
  }
  return "unknown";
}

int PathArgumentIndex(int syscall) {
  std::string_view name = SyscallName(syscall);
  for (const PathArgument& entry : kPathArguments) {
    if (entry.syscall == name) return entry.index;
  }
  return -1;
}

std::vector<int> TriggerCallNumbers(const PhaseTrigger& trigger) {
  switch (trigger.kind) {
    case TriggerKind::kFirstCall:
    case TriggerKind::kPathArgument:
    case TriggerKind::kFdArgument:
    case TriggerKind::kSocketFamily:
      return {trigger.syscall};
    case TriggerKind::kReadFrom:
      return ReadCalls();
    case TriggerKind::kExec:
    case TriggerKind::kSignal:
    case TriggerKind::kMark:
      break;
  }
  return {};
}

Result<PhaseTrigger> ParsePhaseTrigger(std::string_view text) {
  PhaseTrigger trigger;
  std::string_view body = text;
  if (size_t at = body.rfind('@'); at != std::string_view::npos) {
    std::string_view scope = body.substr(at + 1);
    if (scope == "process") {
      trigger.scope = TriggerScope::kProcess;
      body = body.substr(0, at);
    } else if (scope == "tree") {
      body = body.substr(0, at);
    }
  }
  trigger.text = std::string(body);
  if (body == "mark") {
    trigger.kind = TriggerKind::kMark;
    return trigger;
  }
  size_t colon = body.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == body.size()) {
    return MakeError(
        "trigger '{}': expected KIND:VALUE (syscall:NAME, NAME:PATH, NAME:fd=N, "
        "socket:FAMILY, exec:PATH, read:socket|tty|pipe|file, signal:SIG) or mark",
        text);
  }
  std::string_view head = body.substr(0, colon);
  std::string_view value = body.substr(colon + 1);

  if (head == "syscall") {
    std::optional<int> number = ParseSyscallName(value);
    if (!number) return MakeError("trigger '{}': unknown syscall '{}'", text, value);
    trigger.kind = TriggerKind::kFirstCall;
    trigger.syscall = *number;
    return trigger;
  }
  if (head == "exec") {
    trigger.kind = TriggerKind::kExec;
    trigger.pattern = std::string(value);
    return trigger;
  }
  if (head == "signal") {
    std::optional<int> signal = ParseSignal(value);
    if (!signal) return MakeError("trigger '{}': unknown signal '{}'", text, value);
    trigger.kind = TriggerKind::kSignal;
    trigger.number = *signal;
    return trigger;
  }
  if (head == "read") {
    for (const auto& [kind, name] : kFdKindNames) {
      if (name == value && kind != FdKind::kUnknown) {
        trigger.kind = TriggerKind::kReadFrom;
        trigger.fd_kind = kind;
        return trigger;
      }
    }
    // read:fd=N is an fd trigger on read; fall through.
  }

  std::optional<int> syscall = ParseSyscallName(head);
  if (!syscall) return MakeError("trigger '{}': unknown syscall or trigger kind '{}'", text, head);
  trigger.syscall = *syscall;
  if (value.starts_with("fd=")) {
    std::optional<int64_t> fd = ParseInteger(value.substr(3));
    if (!fd) return MakeError("trigger '{}': '{}' is not a descriptor number", text, value);
    trigger.kind = TriggerKind::kFdArgument;
    trigger.path_arg = 0;
    trigger.number = *fd;
    return trigger;
  }
  if (value.size() > 5 && value.starts_with("arg") && value[3] >= '0' && value[3] <= '5' &&
      value[4] == '=') {
    std::optional<int64_t> argument = ParseInteger(value.substr(5));
    if (!argument) return MakeError("trigger '{}': '{}' is not a number", text, value.substr(5));
    trigger.kind = TriggerKind::kFdArgument;
    trigger.path_arg = value[3] - '0';
    trigger.number = *argument;
    return trigger;
  }
  if (head == "socket") {
    trigger.kind = TriggerKind::kSocketFamily;
    if (auto number = ParseInteger(value)) {
      trigger.number = *number;
      return trigger;
    }
    for (const NamedNumber& family : kSocketFamilies) {
      if (family.name == value) {
        trigger.number = family.value;
        return trigger;
      }
    }
    return MakeError("trigger '{}': unknown socket family '{}'", text, value);
  }
  int path_arg = PathArgumentIndex(*syscall);
  if (path_arg < 0) {
    return MakeError("trigger '{}': {} takes no path; use {}:fd=N or syscall:{}", text, head, head,
                     head);
  }
  trigger.kind = TriggerKind::kPathArgument;
  trigger.path_arg = path_arg;
  trigger.pattern = std::string(value);
  return trigger;
}

Result<PhaseSpec> ParsePhaseSpec(std::string_view text) {
  size_t equals = text.find('=');
  if (equals == std::string_view::npos || equals == 0) {
    return MakeError("--phase '{}': expected NAME=TRIGGER", text);
  }
  std::string_view name = text.substr(0, equals);
  for (char c : name) {
    if (!isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') {
      return MakeError("--phase '{}': phase name '{}' may hold only letters, digits, _ - .", text,
                       name);
    }
  }
  Result<PhaseTrigger> trigger = ParsePhaseTrigger(text.substr(equals + 1));
  if (!trigger.ok()) return trigger.error();
  return PhaseSpec{std::string(name), std::move(*trigger)};
}

std::string FormatPhaseSpec(const PhaseSpec& spec) {
  return spec.name + "=" + spec.trigger.text +
         (spec.trigger.scope == TriggerScope::kProcess ? "@process" : "");
}

bool TriggerMatchesSyscall(const PhaseTrigger& trigger, const SyscallEvent& event,
                           TraceeInspector& inspector) {
  switch (trigger.kind) {
    case TriggerKind::kFirstCall:
      return event.number == trigger.syscall;
    case TriggerKind::kFdArgument:
      // Compared as the int the kernel sees for descriptors, and in full for other arguments.
      return event.number == trigger.syscall &&
             (static_cast<int64_t>(event.args[static_cast<size_t>(trigger.path_arg)]) ==
                  trigger.number ||
              static_cast<int64_t>(static_cast<int32_t>(
                  event.args[static_cast<size_t>(trigger.path_arg)])) == trigger.number);
    case TriggerKind::kSocketFamily:
      return event.number == trigger.syscall &&
             static_cast<int64_t>(static_cast<int32_t>(event.args[0])) == trigger.number;
    case TriggerKind::kPathArgument: {
      if (event.number != trigger.syscall) return false;
      std::optional<std::string> path =
          inspector.ReadString(event.pid, event.args[static_cast<size_t>(trigger.path_arg)]);
      return path && GlobMatch(trigger.pattern, *path);
    }
    case TriggerKind::kReadFrom:
      return IsReadCall(event.number) &&
             inspector.KindOfFd(event.pid, static_cast<int>(event.args[0])) == trigger.fd_kind;
    case TriggerKind::kExec:
    case TriggerKind::kSignal:
    case TriggerKind::kMark:
      return false;
  }
  return false;
}

bool TriggerMatchesExec(const PhaseTrigger& trigger, std::string_view path) {
  return trigger.kind == TriggerKind::kExec && GlobMatch(trigger.pattern, path);
}

bool TriggerMatchesSignal(const PhaseTrigger& trigger, int signal) {
  return trigger.kind == TriggerKind::kSignal && trigger.number == signal;
}

bool GlobMatch(std::string_view pattern, std::string_view text) {
  // fnmatch with FNM_PATHNAME gives '*' that stops at '/'; '**' is rewritten to match across.
  std::string converted;
  bool across = false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '*' && i + 1 < pattern.size() && pattern[i + 1] == '*') {
      across = true;
      converted += '*';
      ++i;
    } else {
      converted += pattern[i];
    }
  }
  std::string subject(text);
  int flags = across ? 0 : FNM_PATHNAME;
  return fnmatch(converted.c_str(), subject.c_str(), flags) == 0;
}

}  // namespace sysfence
