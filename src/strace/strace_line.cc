// Taking one line of strace output apart (see strace_line.h). The line is read from both
// ends: the leader (pid, timestamps, -i/-n brackets) and the syscall name from the left, the
// result from the right, so arguments are never parsed and any -s/-v/-X/-y decoration in
// them is harmless.
#include "strace/strace_line.h"

#include <fmt/format.h>

#include <array>
#include <charconv>

#include "base/text.h"

namespace sysfence {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHexDigit(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool IsNameChar(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

// Reads a run of decimal digits (at most 9, so it fits an int) from the front of `s`.
std::optional<int> ConsumeSmallNumber(std::string_view& s) {
  size_t n = 0;
  while (n < s.size() && IsDigit(s[n])) ++n;
  if (n == 0 || n > 9) return std::nullopt;
  int value = 0;
  std::from_chars(s.data(), s.data() + n, value);
  s.remove_prefix(n);
  return value;
}

// "1234  " (strace -f -o) or "[pid  1234] " (strace -f to a terminal).
void ConsumePidPrefix(std::string_view& s, StraceLine& out) {
  if (s.starts_with("[pid")) {
    std::string_view rest = TrimLeft(s.substr(4));
    std::optional<int> pid = ConsumeSmallNumber(rest);
    if (!pid || !rest.starts_with("] ")) return;
    out.pid = pid;
    out.pid_in_brackets = true;
    s = rest.substr(2);
    return;
  }
  std::string_view rest = s;
  std::optional<int> pid = ConsumeSmallNumber(rest);
  if (!pid || !rest.starts_with(' ')) return;
  out.pid = pid;
  s = rest;
}

// -t "10:12:13", -tt "10:12:13.123456", -ttt "1700000000.123456", -r "0.000123".
void ConsumeTimestamp(std::string_view& s) {
  size_t n = 0;
  bool has_separator = false;
  while (n < s.size() && (IsDigit(s[n]) || s[n] == '.' || s[n] == ':')) {
    has_separator = has_separator || !IsDigit(s[n]);
    ++n;
  }
  if (n >= 3 && has_separator && n < s.size() && s[n] == ' ') s = TrimLeft(s.substr(n));
}

// -n "[ 257] " and -i "[00007f42d1734ad7] " (or "[????????????????] " for events).
void ConsumeBracketedNumbers(std::string_view& s) {
  while (s.starts_with('[') && !s.starts_with("[ Process")) {
    size_t close = s.find(']');
    if (close == std::string_view::npos || close > 24) return;
    for (size_t i = 1; i < close; ++i) {
      char c = s[i];
      if (!IsHexDigit(c) && c != ' ' && c != '?' && c != 'x') return;
    }
    s = TrimLeft(s.substr(close + 1));
  }
}

std::optional<int64_t> ParseResultValue(std::string_view text) {
  text = TrimLeft(text);
  bool negative = text.starts_with('-');
  if (negative) text.remove_prefix(1);
  uint64_t magnitude = 0;
  std::from_chars_result parsed{};
  if (text.starts_with("0x")) {
    parsed = std::from_chars(text.data() + 2, text.data() + text.size(), magnitude, 16);
    if (parsed.ptr == text.data() + 2) return std::nullopt;
  } else {
    parsed = std::from_chars(text.data(), text.data() + text.size(), magnitude, 10);
    if (parsed.ptr == text.data()) return std::nullopt;
  }
  if (parsed.ec != std::errc()) return std::nullopt;
  // Addresses above 2^63 wrap like the kernel's own long would.
  int64_t value = static_cast<int64_t>(magnitude);
  return negative ? -value : value;
}

// Finds the " = " that starts the result: the last one whose left side ends with ")".
// (A -y decoration or a string argument may hold " = " too.)
std::optional<size_t> FindResultSeparator(std::string_view text) {
  size_t pos = text.size();
  while (pos > 0) {
    pos = text.rfind(" = ", pos - 1);
    if (pos == std::string_view::npos) return std::nullopt;
    if (TrimRight(text.substr(0, pos)).ends_with(')')) return pos;
  }
  return std::nullopt;
}

StraceLine Malformed(StraceLine line, std::string_view problem) {
  line.kind = StraceLineKind::kMalformed;
  line.problem = problem;
  return line;
}

// "+++ exited with 0 +++", "+++ killed by SIGKILL (core dumped) +++",
// "+++ superseded by execve in pid 7589 +++".
StraceLine ParseExitEvent(std::string_view s, StraceLine line) {
  s.remove_prefix(4);
  if (s.starts_with("exited with ")) {
    std::string_view rest = s.substr(12);
    bool negative = rest.starts_with('-');
    if (negative) rest.remove_prefix(1);
    std::optional<int> code = ConsumeSmallNumber(rest);
    if (!code) return Malformed(line, "exit line without a status");
    line.kind = StraceLineKind::kExited;
    line.status = negative ? -*code : *code;
    return line;
  }
  if (s.starts_with("killed by ")) {
    std::string_view rest = s.substr(10);
    size_t end = rest.find(' ');
    std::string_view signal = rest.substr(0, end);
    line.kind = StraceLineKind::kKilled;
    line.status = SignalNumber(signal);
    return line;
  }
  if (s.starts_with("superseded by execve")) {
    std::string_view rest = s.substr(20);
    line.kind = StraceLineKind::kSuperseded;
    if (rest.starts_with(" in pid ")) {
      rest.remove_prefix(8);
      line.subject_pid = ConsumeSmallNumber(rest).value_or(0);
    }
    return line;
  }
  return Malformed(line, "unknown +++ event");
}

// "[ Process PID=1234 runs in 32 bit mode. ]" (also "PID 1234").
StraceLine ParsePersonality(std::string_view s, StraceLine line) {
  s.remove_prefix(10);  // "[ Process "
  if (!s.starts_with("PID")) return Malformed(line, "unknown [ Process ... ] message");
  s.remove_prefix(3);
  if (s.starts_with('=') || s.starts_with(' ')) s.remove_prefix(1);
  std::optional<int> pid = ConsumeSmallNumber(s);
  if (!pid || !s.starts_with(" runs in ")) {
    return Malformed(line, "unknown [ Process ... ] message");
  }
  s.remove_prefix(9);
  line.subject_pid = *pid;
  if (s.starts_with("64 bit")) {
    line.personality = Personality::k64Bit;
  } else if (s.starts_with("32 bit")) {
    line.personality = Personality::k32Bit;
  } else if (s.starts_with("x32")) {
    line.personality = Personality::kX32;
  } else {
    return Malformed(line, "unknown personality");
  }
  line.kind = StraceLineKind::kPersonality;
  return line;
}

// "strace: Process 1234 attached" and friends; everything else strace says is a note.
StraceLine ParseStraceMessage(std::string_view s, StraceLine line) {
  line.kind = StraceLineKind::kNote;
  std::string_view rest = s.substr(8);  // "strace: "
  if (!rest.starts_with("Process ")) return line;
  rest.remove_prefix(8);
  std::optional<int> pid = ConsumeSmallNumber(rest);
  if (!pid) return line;
  if (rest.starts_with(" attached")) {
    line.kind = StraceLineKind::kAttached;
  } else if (rest.starts_with(" detached")) {
    line.kind = StraceLineKind::kDetached;
  } else {
    return line;
  }
  line.subject_pid = *pid;
  return line;
}

// "<... read resumed>"...") = 5".
StraceLine ParseResumed(std::string_view s, StraceLine line) {
  s.remove_prefix(5);
  size_t end = s.find(" resumed>");
  if (end == std::string_view::npos || end == 0) return Malformed(line, "broken resumed line");
  line.name = s.substr(0, end);
  for (char c : line.name) {
    if (!IsNameChar(c) && c != '?') return Malformed(line, "broken resumed line");
  }
  std::string_view rest = s.substr(end + 9);
  std::optional<size_t> separator = FindResultSeparator(rest);
  if (!separator) {
    line.cut_short = true;
  } else {
    line.result = ParseResultValue(rest.substr(*separator + 3));
  }
  line.kind = StraceLineKind::kResumed;
  return line;
}

StraceLine ParseCall(std::string_view s, StraceLine line) {
  size_t n = 0;
  if (s.starts_with("???")) {
    n = 3;
  } else {
    while (n < s.size() && IsNameChar(s[n])) ++n;
  }
  if (n == 0 || n >= s.size() || s[n] != '(' || IsDigit(s[0])) {
    return Malformed(line, "not a line of strace output");
  }
  line.name = s.substr(0, n);
  std::string_view rest = s.substr(n + 1);
  std::string_view trimmed = TrimRight(rest);
  // Markers strace ends a started call with: the result follows later ("unfinished"), never
  // ("detached"), or under the thread group leader's pid (-ff: "<pid changed to N ...>").
  size_t marker = std::string_view::npos;
  if (trimmed.ends_with("<unfinished ...>") || trimmed.ends_with("<detached ...>")) {
    marker = trimmed.rfind('<');
  } else if (trimmed.ends_with(" ...>")) {
    size_t changed = trimmed.rfind("<pid changed to ");
    if (changed != std::string_view::npos) marker = changed;
  }
  if (marker != std::string_view::npos) {
    line.kind = StraceLineKind::kUnfinished;
    line.arguments = TrimRight(trimmed.substr(0, marker));
    return line;
  }
  line.kind = StraceLineKind::kCall;
  std::optional<size_t> separator = FindResultSeparator(rest);
  if (!separator) {
    line.cut_short = true;
    line.arguments = rest;
    return line;
  }
  line.arguments = rest.substr(0, *separator);
  line.result = ParseResultValue(rest.substr(*separator + 3));
  return line;
}

constexpr std::array<std::string_view, 32> kSignalNames = {
    "",          "SIGHUP",  "SIGINT",    "SIGQUIT", "SIGILL",   "SIGTRAP", "SIGABRT", "SIGBUS",
    "SIGFPE",    "SIGKILL", "SIGUSR1",   "SIGSEGV", "SIGUSR2",  "SIGPIPE", "SIGALRM", "SIGTERM",
    "SIGSTKFLT", "SIGCHLD", "SIGCONT",   "SIGSTOP", "SIGTSTP",  "SIGTTIN", "SIGTTOU", "SIGURG",
    "SIGXCPU",   "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO",   "SIGPWR",  "SIGSYS",
};

// Length of the valid UTF-8 sequence at s[i] (RFC 3629: no overlong forms, no surrogates),
// or 0 when the byte there does not start one.
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char lead = byte(i);
  if (lead < 0x80) return 1;
  size_t length = 0;
  uint32_t code = 0;
  uint32_t smallest = 0;
  if ((lead & 0xe0) == 0xc0) {
    length = 2, code = lead & 0x1f, smallest = 0x80;
  } else if ((lead & 0xf0) == 0xe0) {
    length = 3, code = lead & 0x0f, smallest = 0x800;
  } else if ((lead & 0xf8) == 0xf0) {
    length = 4, code = lead & 0x07, smallest = 0x10000;
  } else {
    return 0;
  }
  if (length > s.size() - i) return 0;
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
    code = (code << 6) | (byte(i + k) & 0x3f);
  }
  if (code < smallest || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return 0;
  return length;
}

// A path goes into the profile's JSON, which holds only UTF-8: bytes that are not part of a
// UTF-8 sequence stay escaped as strace printed them ("\xfd").
std::string KeepUtf8(std::string bytes) {
  size_t i = 0;
  while (i < bytes.size()) {
    size_t length = Utf8SequenceLength(bytes, i);
    if (length == 0) break;
    i += length;
  }
  if (i == bytes.size()) return bytes;
  std::string out = bytes.substr(0, i);
  while (i < bytes.size()) {
    size_t length = Utf8SequenceLength(bytes, i);
    if (length == 0) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(bytes[i]));
      ++i;
    } else {
      out.append(bytes, i, length);
      i += length;
    }
  }
  return out;
}

std::optional<std::string> DecodeQuotedString(std::string_view s) {
  if (!s.starts_with('"')) return std::nullopt;
  std::string out;
  size_t i = 1;
  while (i < s.size()) {
    char c = s[i++];
    if (c == '"') return out;
    if (c != '\\' || i >= s.size()) {
      out += c;
      continue;
    }
    char e = s[i++];
    switch (e) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case 'v':
        out += '\v';
        break;
      case 'f':
        out += '\f';
        break;
      case 'x': {
        int value = 0;
        int digits = 0;
        while (digits < 2 && i < s.size() && IsHexDigit(s[i])) {
          char h = s[i++];
          value = value * 16 + (IsDigit(h) ? h - '0' : (h | 0x20) - 'a' + 10);
          ++digits;
        }
        out += static_cast<char>(value);
        break;
      }
      default:
        if (e >= '0' && e <= '7') {
          int value = e - '0';
          for (int digits = 1; digits < 3 && i < s.size() && s[i] >= '0' && s[i] <= '7'; ++digits) {
            value = value * 8 + (s[i++] - '0');
          }
          out += static_cast<char>(value);
        } else {
          out += e;  // \\ \" \' and anything strace might add
        }
    }
  }
  return std::nullopt;  // no closing quote: the line was cut
}

// The executed file as the raw bytes strace printed escaped.
std::optional<std::string> ExecutedPathBytes(std::string_view name, std::string_view arguments) {
  if (name == "execve") return DecodeQuotedString(arguments);
  if (name != "execveat") return std::nullopt;
  // execveat(dirfd, "path", argv, envp, flags): dirfd is "AT_FDCWD", "3" or, with -y,
  // "3</usr/bin>".
  size_t quote = arguments.find('"');
  if (quote == std::string_view::npos) return std::nullopt;
  std::optional<std::string> path = DecodeQuotedString(arguments.substr(quote));
  if (!path) return std::nullopt;
  if (path->starts_with('/')) return path;
  std::string_view dirfd = arguments.substr(0, quote);
  size_t open = dirfd.find('<');
  size_t close = dirfd.rfind('>');
  if (open != std::string_view::npos && close != std::string_view::npos && close > open) {
    std::string directory(dirfd.substr(open + 1, close - open - 1));
    if (path->empty()) return directory;  // AT_EMPTY_PATH: the descriptor is the file
    return directory + "/" + *path;
  }
  if (dirfd.find("AT_FDCWD") != std::string_view::npos && !path->empty()) return path;
  return std::nullopt;
}

}  // namespace

int SignalNumber(std::string_view name) {
  for (size_t i = 1; i < kSignalNames.size(); ++i) {
    if (kSignalNames[i] == name) return static_cast<int>(i);
  }
  if (name == "SIGIOT") return 6;
  if (name == "SIGPOLL") return 29;
  if (name == "SIGRTMIN") return 32;
  if (name.starts_with("SIGRT_")) {
    std::string_view digits = name.substr(6);
    std::optional<int> n = ConsumeSmallNumber(digits);
    if (n && digits.empty() && *n < 32) return 32 + *n;
  }
  return 0;
}

StraceLine ParseStraceLine(std::string_view text) {
  StraceLine line;
  std::string_view s = TrimRight(text);
  if (TrimLeft(s).empty()) {
    line.kind = StraceLineKind::kNote;
    return line;
  }
  if (s.find('\0') != std::string_view::npos) return Malformed(line, "line holds NUL bytes");
  // -k stack frames and strace's own messages carry no pid prefix.
  if (s.starts_with(" > ")) {
    line.kind = StraceLineKind::kNote;
    return line;
  }
  if (s.starts_with("strace: ")) return ParseStraceMessage(s, line);

  ConsumePidPrefix(s, line);
  s = TrimLeft(s);
  ConsumeTimestamp(s);
  ConsumeBracketedNumbers(s);

  if (s.starts_with("[ Process ")) return ParsePersonality(s, line);
  if (s.starts_with("--- ")) {
    line.kind = StraceLineKind::kSignal;
    return line;
  }
  if (s.starts_with("+++ ")) return ParseExitEvent(s, line);
  if (s.starts_with("<... ")) return ParseResumed(s, line);
  return ParseCall(s, line);
}

std::optional<std::string_view> SplicedStraceMessagePrefix(std::string_view line) {
  // Cheap test first: this runs on every line and the message ends the line.
  std::string_view trimmed = TrimRight(line);
  if (!trimmed.ends_with("attached") && !trimmed.ends_with("detached") &&
      !trimmed.ends_with(" threads")) {
    return std::nullopt;
  }
  size_t at = line.rfind("strace: Process ");
  if (at == std::string_view::npos || at == 0) return std::nullopt;
  std::string_view rest = line.substr(at + 16);
  if (!ConsumeSmallNumber(rest)) return std::nullopt;
  if (!rest.starts_with(" attached") && !rest.starts_with(" detached")) return std::nullopt;
  if (rest.find('(') != std::string_view::npos || rest.find('"') != std::string_view::npos) {
    return std::nullopt;
  }
  return line.substr(0, at);
}

std::optional<std::string> ExecutedPath(std::string_view name, std::string_view arguments) {
  std::optional<std::string> path = ExecutedPathBytes(name, arguments);
  if (!path) return std::nullopt;
  return KeepUtf8(std::move(*path));
}

}  // namespace sysfence
