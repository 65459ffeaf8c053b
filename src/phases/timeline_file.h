// The timeline file of `sysfence trace --events FILE`: every syscall in time order, as
// tab-separated text a person can also read with awk.
//
//   # sysfence events 1
//   0.000012<TAB>4242<TAB>execve
//
//   Result<std::vector<TimelineEvent>> events = ReadTimelineFile("trace.events");
#ifndef SYSFENCE_PHASES_TIMELINE_FILE_H_
#define SYSFENCE_PHASES_TIMELINE_FILE_H_

#include <cstdio>
#include <string>
#include <vector>

#include "base/result.h"
#include "phases/phase_detector.h"

namespace sysfence {

inline constexpr const char* kTimelineHeader = "# sysfence events 1";

// Appends events to a file as they come (buffered); Close() reports write errors.
class TimelineWriter {
 public:
  static Result<TimelineWriter> Open(const std::string& path);
  TimelineWriter(TimelineWriter&& other) noexcept;
  TimelineWriter& operator=(TimelineWriter&&) = delete;
  TimelineWriter(const TimelineWriter&) = delete;
  TimelineWriter& operator=(const TimelineWriter&) = delete;
  ~TimelineWriter();

  void Write(const TimelineEvent& event);
  Status Close();

 private:
  TimelineWriter(FILE* file, std::string path) : file_(file), path_(std::move(path)) {}
  FILE* file_ = nullptr;
  std::string path_;
};

// Fails naming the file and line on anything but the format above.
Result<std::vector<TimelineEvent>> ParseTimeline(std::string_view text, std::string_view source);
Result<std::vector<TimelineEvent>> ReadTimelineFile(const std::string& path);

}  // namespace sysfence

#endif  // SYSFENCE_PHASES_TIMELINE_FILE_H_
