// BackendUnavailable (see backend.h).
#include "backend.h"

#include "ebpf/bpf_recorder.h"

namespace sysfence::testing {

std::string BackendUnavailable(const std::string& backend) {
  if (backend != "ebpf") return "";
  return BpfRecorderUnavailable().value_or("");
}

}  // namespace sysfence::testing
