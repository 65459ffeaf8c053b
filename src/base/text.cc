// Trimming (see text.h).
#include "base/text.h"

namespace sysfence {
namespace {

constexpr std::string_view kBlanks = " \t\r\n";

}  // namespace

std::string_view TrimLeft(std::string_view text) {
  size_t begin = text.find_first_not_of(kBlanks);
  return begin == std::string_view::npos ? std::string_view() : text.substr(begin);
}

std::string_view TrimRight(std::string_view text) {
  size_t end = text.find_last_not_of(kBlanks);
  return end == std::string_view::npos ? std::string_view() : text.substr(0, end + 1);
}

std::string_view Trim(std::string_view text) { return TrimLeft(TrimRight(text)); }

}  // namespace sysfence
