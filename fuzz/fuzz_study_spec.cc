// Fuzz target: the study directory's text files (docs/STUDY.md): study.txt, a phases file and
// a runs file with placeholders. What study.txt accepts must name its programs consistently:
// every runs, phases, service and combine line refers to a program it declared.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "study/study_spec.h"
#include "study/workload.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  sysfence::Result<sysfence::StudySpec> spec = sysfence::ParseStudySpec(text, "study.txt");
  if (spec.ok()) {
    if (spec->programs.empty()) abort();
    for (const sysfence::ServiceSpec& service : spec->services) {
      if (!service.program.empty() && spec->FindProgram(service.program) == nullptr) abort();
      if (service.ready.kind == sysfence::ReadyCheck::Kind::kNone) abort();
    }
    for (const sysfence::CombinedSpec& combined : spec->combined) {
      for (const std::string& program : combined.programs) {
        if (spec->FindProgram(program) == nullptr) abort();
      }
    }
  }
  (void)sysfence::ParsePhaseTriggers(text, "phases.txt");
  (void)sysfence::ParseWorkloads(text, "runs.txt", {{"in", "/in"}, {"port", "80"}});
  return 0;
}
