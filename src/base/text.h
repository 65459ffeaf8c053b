// Trimming the blanks around a piece of text read from a file, a command line or a trace:
// spaces, tabs and line ends (\r, \n).
//
//   Trim("  name = value \r\n") == "name = value"
//   TrimLeft("\tx ") == "x "
#ifndef SYSFENCE_BASE_TEXT_H_
#define SYSFENCE_BASE_TEXT_H_

#include <string_view>

namespace sysfence {

std::string_view TrimLeft(std::string_view text);
std::string_view TrimRight(std::string_view text);
std::string_view Trim(std::string_view text);

}  // namespace sysfence

#endif  // SYSFENCE_BASE_TEXT_H_
