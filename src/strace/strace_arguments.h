// The argument table's values (syscalls/argument_table.h) read from strace's decoded argument
// text: "AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_TCP" gives socket's domain AF_INET and type
// SOCK_STREAM (masked). strace prints values by name, as numbers (-X raw, unknown values),
// with comments (-X verbose), as "NAME1 or NAME2" (ambiguous ioctl requests) or as
// "_IOC(dir, type, nr, size)"; clone's arguments by name ("flags=..."). Whatever the text does
// not show for certain is unknown, and the profile then allows any value of that argument:
// a name the table does not know for a number argument, a field the line does not reach (a call
// cut short, or split over <unfinished ...> before it), a named field of another argument. In a
// flag word a name the group does not list is dropped: every group lists each name with a bit
// inside its mask (argument_table_test checks it), so such a name only sets bits that are not
// compared.
//
//   for (const StraceArgument& a :
//        ReadStraceArguments(41, "AF_INET, SOCK_STREAM, 0)", StraceArgumentsEnd::kClosed))
//     ... a.index (0, 1), a.value (2, 1) ...
#ifndef SYSFENCE_STRACE_STRACE_ARGUMENTS_H_
#define SYSFENCE_STRACE_STRACE_ARGUMENTS_H_

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace sysfence {

struct StraceArgument {
  uint8_t index = 0;
  std::optional<uint64_t> value;  // masked; nullopt: the text does not tell
};

// How the argument text ends.
enum class StraceArgumentsEnd {
  kClosed,      // with ")" (a whole call): every field is whole (no ")": read as kCut)
  kUnfinished,  // before " <unfinished ...>": strace prints the arguments it decodes at entry
                // whole, then stops; the rest (shown on the resumed line) is unknown
  kCut,         // the log ends inside the line: the last field may be partial
};

// One entry per argument the table lists for x86-64 call `number` (none for most calls).
// `arguments`: the text after "(".
std::vector<StraceArgument> ReadStraceArguments(int number, std::string_view arguments,
                                                StraceArgumentsEnd end);

}  // namespace sysfence

#endif  // SYSFENCE_STRACE_STRACE_ARGUMENTS_H_
