// ParseDuration and FormatDuration (see duration.h).
#include "base/duration.h"

#include <fmt/format.h>

#include <cctype>
#include <limits>

namespace sysfence {
namespace {

struct Unit {
  std::string_view name;
  int64_t nanoseconds;
};

// Longest names first, so that "ms" is not read as "m".
constexpr Unit kUnits[] = {
    {"ms", 1'000'000},        {"s", 1'000'000'000},      {"m", 60'000'000'000},
    {"h", 3'600'000'000'000}, {"d", 86'400'000'000'000},
};

}  // namespace

Result<int64_t> ParseDuration(std::string_view text) {
  if (text.empty()) return MakeError("an empty duration");
  int64_t total = 0;
  size_t at = 0;
  bool bare = true;
  while (at < text.size()) {
    size_t digits = at;
    while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) {
      ++digits;
    }
    if (digits == at) {
      return MakeError("'{}' is not a duration (write e.g. 90s, 10m, 1h30m, 500ms)", text);
    }
    int64_t value = 0;
    for (size_t i = at; i < digits; ++i) {
      if (value > (std::numeric_limits<int64_t>::max() - 9) / 10) {
        return MakeError("'{}' is too long a duration", text);
      }
      value = value * 10 + (text[i] - '0');
    }
    int64_t scale = 1'000'000'000;  // a bare number is seconds
    size_t next = digits;
    if (digits < text.size()) {
      const Unit* found = nullptr;
      for (const Unit& unit : kUnits) {
        if (text.substr(digits).starts_with(unit.name)) {
          found = &unit;
          break;
        }
      }
      if (found == nullptr) {
        return MakeError("'{}': unknown unit '{}' (use ms, s, m, h or d)", text,
                         text.substr(digits));
      }
      scale = found->nanoseconds;
      next = digits + found->name.size();
      bare = false;
    } else if (!bare || at != 0) {
      return MakeError("'{}': a number without its unit", text);
    }
    if (value > (std::numeric_limits<int64_t>::max() - total) / scale) {
      return MakeError("'{}' is too long a duration", text);
    }
    total += value * scale;
    at = next;
  }
  if (total <= 0) return MakeError("'{}': a duration must be longer than zero", text);
  return total;
}

std::string FormatDuration(int64_t nanoseconds) {
  if (nanoseconds % 1'000'000'000 != 0) return fmt::format("{}ms", nanoseconds / 1'000'000);
  std::string text;
  int64_t left = nanoseconds;
  for (auto unit = std::rbegin(kUnits); unit != std::rend(kUnits); ++unit) {
    if (unit->name == "ms" || left < unit->nanoseconds) continue;
    text += fmt::format("{}{}", left / unit->nanoseconds, unit->name);
    left %= unit->nanoseconds;
  }
  return text.empty() ? "0s" : text;
}

}  // namespace sysfence
