// /proc/PID/status fields (see proc_status.h).
#include "base/proc_status.h"

#include <fmt/format.h>

#include <charconv>
#include <string>

#include "base/file_util.h"

namespace sysfence {

std::string_view StatusField(std::string_view status, std::string_view key) {
  size_t line = 0;
  while (line < status.size()) {
    size_t end = status.find('\n', line);
    if (end == std::string_view::npos) end = status.size();
    std::string_view text = status.substr(line, end - line);
    if (text.size() > key.size() && text.substr(0, key.size()) == key && text[key.size()] == ':') {
      size_t start = text.find_first_not_of(" \t", key.size() + 1);
      return start == std::string_view::npos ? std::string_view() : text.substr(start);
    }
    line = end + 1;
  }
  return {};
}

std::vector<long long> StatusNumbers(std::string_view status, std::string_view key, int base) {
  std::vector<long long> numbers;
  std::string_view field = StatusField(status, key);
  const char* at = field.data();
  const char* end = field.data() + field.size();
  while (at < end) {
    while (at < end && (*at == ' ' || *at == '\t')) ++at;
    long long value = 0;
    auto [next, error] = std::from_chars(at, end, value, base);
    if (error != std::errc() || next == at) break;
    numbers.push_back(value);
    at = next;
  }
  return numbers;
}

ProcessLineage ReadLineage(pid_t pid) {
  ProcessLineage lineage;
  Result<std::string> status = ReadFile(fmt::format("/proc/{}/status", pid));
  if (!status.ok()) return lineage;
  std::vector<long long> tgid = StatusNumbers(*status, "Tgid");
  std::vector<long long> ppid = StatusNumbers(*status, "PPid");
  if (!tgid.empty()) lineage.tgid = static_cast<pid_t>(tgid.front());
  if (!ppid.empty()) lineage.ppid = static_cast<pid_t>(ppid.front());
  return lineage;
}

}  // namespace sysfence
