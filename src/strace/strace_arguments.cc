// Reading the argument table's values from strace's argument text (see strace_arguments.h).
#include "strace/strace_arguments.h"

#include <charconv>
#include <string>

#include "base/text.h"
#include "syscalls/argument_table.h"

namespace sysfence {
namespace {

// The top-level fields of an argument list: commas inside quotes, brackets, braces,
// parentheses and comments do not split.
std::vector<std::string_view> SplitFields(std::string_view text) {
  std::vector<std::string_view> fields;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '"') {
      for (++i; i < text.size() && text[i] != '"'; ++i) {
        if (text[i] == '\\') ++i;
      }
    } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '*') {
      size_t end = text.find("*/", i + 2);
      i = end == std::string_view::npos ? text.size() : end + 1;
    } else if (c == '(' || c == '[' || c == '{') {
      ++depth;
    } else if ((c == ')' || c == ']' || c == '}') && depth > 0) {
      --depth;
    } else if (c == ',' && depth == 0) {
      fields.push_back(Trim(text.substr(start, i - start)));
      start = i + 1;
    }
  }
  fields.push_back(Trim(text.substr(start)));
  return fields;
}

// The field without its comments ("0x2 /* AF_INET */" -> "0x2").
std::string WithoutComments(std::string_view field) {
  std::string out;
  size_t at = 0;
  while (at < field.size()) {
    size_t open = field.find("/*", at);
    if (open == std::string_view::npos) {
      out += field.substr(at);
      break;
    }
    out += field.substr(at, open - at);
    size_t close = field.find("*/", open + 2);
    if (close == std::string_view::npos) break;
    at = close + 2;
  }
  return std::string(Trim(out));
}

// "flags=..." -> ("flags", "..."); nullopt when the field is not named.
std::optional<std::pair<std::string_view, std::string_view>> NamedField(std::string_view field) {
  size_t n = 0;
  while (n < field.size() &&
         (std::isalnum(static_cast<unsigned char>(field[n])) != 0 || field[n] == '_')) {
    ++n;
  }
  if (n == 0 || n >= field.size() || field[n] != '=' ||
      std::isdigit(static_cast<unsigned char>(field[0])) != 0) {
    return std::nullopt;
  }
  return std::make_pair(field.substr(0, n), field.substr(n + 1));
}

std::optional<uint64_t> Number(std::string_view text) {
  bool negative = text.starts_with('-');
  if (negative) text.remove_prefix(1);
  int base = 10;
  if (text.starts_with("0x") || text.starts_with("0X")) {
    base = 16;
    text.remove_prefix(2);
  } else if (text.size() > 1 && text.starts_with('0')) {
    base = 8;
    text.remove_prefix(1);
  }
  uint64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return negative ? uint64_t{0} - value : value;
}

std::optional<uint64_t> Named(const ArgumentSpec& spec, std::string_view name) {
  for (const NamedValue& n : spec.names) {
    if (n.name == name) return n.value;
  }
  return std::nullopt;
}

// _IOC(_IOC_READ|_IOC_WRITE, 0x54, 0x1, 0x4): the request the kernel's _IOC macro builds.
std::optional<uint64_t> IocRequest(std::string_view text) {
  if (!text.starts_with("_IOC(") || !text.ends_with(')')) return std::nullopt;
  std::vector<std::string_view> parts = SplitFields(text.substr(5, text.size() - 6));
  if (parts.size() != 4) return std::nullopt;
  uint64_t direction = 0;
  size_t start = 0;
  std::string_view dir = parts[0];
  while (start <= dir.size()) {
    size_t bar = dir.find('|', start);
    if (bar == std::string_view::npos) bar = dir.size();
    std::string_view bit = Trim(dir.substr(start, bar - start));
    if (bit == "_IOC_WRITE") {
      direction |= 1;
    } else if (bit == "_IOC_READ") {
      direction |= 2;
    } else if (bit != "_IOC_NONE") {
      std::optional<uint64_t> raw = Number(bit);
      if (!raw) return std::nullopt;
      direction |= *raw;
    }
    start = bar + 1;
  }
  std::optional<uint64_t> type = Number(parts[1]);
  std::optional<uint64_t> nr = Number(parts[2]);
  std::optional<uint64_t> size = Number(parts[3]);
  if (!type || !nr || !size) return std::nullopt;
  return (direction << 30) | (*size << 16) | (*type << 8) | *nr;
}

// One value of `spec` as strace prints it; nullopt when unknown.
std::optional<uint64_t> ParseValue(const ArgumentSpec& spec, std::string_view text) {
  std::string clean = WithoutComments(text);
  std::string_view value_text = clean;
  if (value_text.empty()) return std::nullopt;
  // A number compared whole is one name or number; a masked one (socket's type) may carry
  // flags outside its mask (SOCK_TYPE|SOCK_CLOEXEC), read below like a flag word.
  if (spec.kind == ArgumentKind::kValue && spec.mask == 0xffffffff) {
    if (std::optional<uint64_t> number = Number(value_text)) return spec.Masked(*number);
    if (std::optional<uint64_t> ioc = IocRequest(value_text)) return spec.Masked(*ioc);
    // "FIONREAD or TIOCINQ": names of one number.
    size_t start = 0;
    while (start < value_text.size()) {
      size_t or_at = value_text.find(" or ", start);
      if (or_at == std::string_view::npos) or_at = value_text.size();
      if (std::optional<uint64_t> named =
              Named(spec, Trim(value_text.substr(start, or_at - start)))) {
        return spec.Masked(*named);
      }
      start = or_at + 4;
    }
    return std::nullopt;
  }
  uint64_t value = 0;
  size_t start = 0;
  while (start <= value_text.size()) {
    size_t bar = value_text.find('|', start);
    if (bar == std::string_view::npos) bar = value_text.size();
    std::string_view part = Trim(value_text.substr(start, bar - start));
    if (std::optional<uint64_t> number = Number(part)) {
      value |= *number;
    } else if (std::optional<uint64_t> named = Named(spec, part)) {
      value |= *named;
    } else if (part.empty() || std::isdigit(static_cast<unsigned char>(part[0])) != 0) {
      return std::nullopt;
    }
    // else a name outside the group: its bits are outside the mask (SOCK_CLOEXEC, O_CLOEXEC,
    // clone's exit signal SIGCHLD, PROT_GROWSDOWN).
    start = bar + 1;
  }
  return spec.Masked(value);
}

}  // namespace

std::vector<StraceArgument> ReadStraceArguments(int number, std::string_view arguments,
                                                StraceArgumentsEnd end) {
  std::span<const ArgumentSpec> specs = ArgumentSpecsOf(number);
  std::vector<StraceArgument> out;
  if (specs.empty()) return out;
  std::string_view text = Trim(arguments);
  if (end == StraceArgumentsEnd::kClosed) {
    if (!text.ends_with(')')) {
      end = StraceArgumentsEnd::kCut;
    } else {
      text = Trim(text.substr(0, text.size() - 1));
    }
  }
  std::vector<std::string_view> fields = SplitFields(text);
  // Fields whose end the line shows.
  size_t known = fields.size();
  if (end == StraceArgumentsEnd::kCut || fields.back().empty()) --known;
  for (const ArgumentSpec& spec : specs) {
    StraceArgument argument;
    argument.index = spec.index;
    std::optional<std::string_view> field;
    bool named_elsewhere = false;
    for (size_t i = 0; i < known; ++i) {
      if (auto named = NamedField(fields[i]); named && named->first == spec.name) {
        field = named->second;
      }
    }
    if (!field && spec.index < known) {
      std::string_view positional = fields[spec.index];
      if (NamedField(positional)) {
        named_elsewhere = true;  // clone(child_stack=..., flags=...): not this argument
      } else {
        field = positional;
      }
    }
    if (field && !named_elsewhere) argument.value = ParseValue(spec, *field);
    out.push_back(argument);
  }
  return out;
}

}  // namespace sysfence
