// Fuzz target: the BPF checker must accept or refuse any program without crashing, and a
// program it accepts must run on any struct seccomp_data (taken from the input's first 64
// bytes; the rest is the program) without reading out of bounds or looping.
#include <cstdint>
#include <cstring>
#include <string_view>

#include "seccomp/bpf_evaluator.h"
#include "seccomp/bpf_program.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  seccomp_data call{};
  size_t header = std::min(size, sizeof call);
  std::memcpy(&call, data, header);
  std::string_view bytes(reinterpret_cast<const char*>(data) + header, size - header);
  sysfence::Result<sysfence::BpfProgram> program = sysfence::BpfProgramFromBytes(bytes, "fuzz");
  if (!program.ok()) return 0;
  sysfence::Result<sysfence::BpfEvaluator> evaluator = sysfence::BpfEvaluator::Create(*program);
  if (!evaluator.ok()) return 0;
  sysfence::BpfEvaluator::Verdict verdict = evaluator->Evaluate(call);
  if (verdict.instructions < 1 || static_cast<size_t>(verdict.instructions) > program->size()) {
    abort();
  }
  return 0;
}
