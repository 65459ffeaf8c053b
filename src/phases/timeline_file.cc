// Timeline files (see timeline_file.h).
#include "phases/timeline_file.h"

#include <cerrno>
#include <charconv>
#include <cstring>

#include "base/file_util.h"
#include "syscalls/syscall_table.h"

namespace sysfence {

Result<TimelineWriter> TimelineWriter::Open(const std::string& path) {
  FILE* file = fopen(path.c_str(), "we");
  if (file == nullptr) return MakeError("{}: {}", path, strerror(errno));
  fprintf(file, "%s\n", kTimelineHeader);
  return TimelineWriter(file, path);
}

TimelineWriter::TimelineWriter(TimelineWriter&& other) noexcept
    : file_(std::exchange(other.file_, nullptr)), path_(std::move(other.path_)) {}

TimelineWriter::~TimelineWriter() {
  if (file_ != nullptr) fclose(file_);
}

void TimelineWriter::Write(const TimelineEvent& event) {
  fprintf(file_, "%.6f\t%d\t%s\n", event.time, event.pid, SyscallDisplayName(event.number).c_str());
}

Status TimelineWriter::Close() {
  if (file_ == nullptr) return Ok{};
  bool failed = ferror(file_) != 0;
  failed = fclose(std::exchange(file_, nullptr)) != 0 || failed;
  if (failed) return MakeError("{}: write failed", path_);
  return Ok{};
}

Result<std::vector<TimelineEvent>> ParseTimeline(std::string_view text, std::string_view source) {
  std::vector<TimelineEvent> events;
  size_t line_number = 0;
  bool header = false;
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    ++line_number;
    if (line.empty()) continue;
    if (line.front() == '#') {
      header = header || line == kTimelineHeader;
      continue;
    }
    if (!header)
      return MakeError("{}: not a sysfence events file (no '{}' line)", source, kTimelineHeader);
    auto fail = [&](std::string_view what) {
      return MakeError("{}:{}: {}", source, line_number, what);
    };
    size_t tab1 = line.find('\t');
    size_t tab2 = tab1 == std::string_view::npos ? tab1 : line.find('\t', tab1 + 1);
    if (tab2 == std::string_view::npos) return fail("expected TIME<TAB>PID<TAB>SYSCALL");
    TimelineEvent event;
    std::string time_text(line.substr(0, tab1));
    char* time_end = nullptr;
    event.time = strtod(time_text.c_str(), &time_end);
    if (time_text.empty() || *time_end != '\0' || event.time < 0) return fail("bad time");
    std::string_view pid = line.substr(tab1 + 1, tab2 - tab1 - 1);
    auto [ptr, error] = std::from_chars(pid.data(), pid.data() + pid.size(), event.pid);
    if (error != std::errc() || ptr != pid.data() + pid.size()) return fail("bad pid");
    std::optional<int> number = ParseSyscallName(line.substr(tab2 + 1));
    if (!number) return fail(fmt::format("unknown syscall '{}'", line.substr(tab2 + 1)));
    event.number = *number;
    if (!events.empty() && event.time < events.back().time) return fail("time goes backwards");
    events.push_back(event);
  }
  if (!header) return MakeError("{}: not a sysfence events file", source);
  return events;
}

Result<std::vector<TimelineEvent>> ReadTimelineFile(const std::string& path) {
  Result<std::string> text = ReadFile(path);
  if (!text.ok()) return text.error();
  return ParseTimeline(*text, path);
}

}  // namespace sysfence
