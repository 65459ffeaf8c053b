// Durations as users write them on the command line: a number and a unit (ms, s, m, h, d), or
// a bare number of seconds; several parts add up ("1h30m").
//
//   Result<int64_t> ns = ParseDuration("10m");   // 600'000'000'000
//   FormatDuration(*ns);                          // "10m"
#ifndef SYSFENCE_BASE_DURATION_H_
#define SYSFENCE_BASE_DURATION_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace sysfence {

// Nanoseconds; errors say what is wrong with `text` (the caller names the option). Zero and
// negative durations are refused.
Result<int64_t> ParseDuration(std::string_view text);

// The largest whole unit that fits ("90s" -> "1m30s"), for messages.
std::string FormatDuration(int64_t nanoseconds);

}  // namespace sysfence

#endif  // SYSFENCE_BASE_DURATION_H_
