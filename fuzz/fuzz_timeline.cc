// Fuzz target: the events file reader (`sysfence phases`) and the phase detector behind it.
#include <cstdint>
#include <string_view>

#include "phases/phase_detector.h"
#include "phases/timeline_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto events = sysfence::ParseTimeline(text, "fuzz");
  if (events.ok()) {
    sysfence::PhaseProposal proposal = sysfence::DetectPhases(*events, {});
    (void)sysfence::FormatProposal(proposal);
  }
  return 0;
}
