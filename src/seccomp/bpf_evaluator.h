// A user-space interpreter for seccomp's classic BPF: every filter sysfence generates is run
// here on chosen struct seccomp_data values, so tests check what a filter decides without
// installing it (installing is one-way: a filter cannot be removed from a process).
//
//   Result<BpfEvaluator> evaluator = BpfEvaluator::Create(program);
//   seccomp_data data{.nr = 0, .arch = AUDIT_ARCH_X86_64};
//   BpfEvaluator::Verdict v = evaluator->Evaluate(data);
//   v.value;          // e.g. SECCOMP_RET_ALLOW
//   v.instructions;   // how many instructions ran (the filter's cost for this call)
//
// Create() accepts exactly the programs the kernel's seccomp accepts (bpf_check_classic plus
// seccomp_check_filter): 1..4096 instructions, only the opcodes seccomp allows, aligned
// 32-bit loads inside struct seccomp_data, forward jumps that land inside the program, no
// division by a constant zero, shifts below 32, scratch memory read only where every path
// has written it, and a return as the last instruction. Evaluate() then cannot fail.
#ifndef SYSFENCE_SECCOMP_BPF_EVALUATOR_H_
#define SYSFENCE_SECCOMP_BPF_EVALUATOR_H_

#include <linux/filter.h>
#include <linux/seccomp.h>

#include <cstdint>
#include <span>
#include <vector>

#include "base/result.h"

namespace sysfence {

class BpfEvaluator {
 public:
  struct Verdict {
    uint32_t value = 0;    // the SECCOMP_RET_* value the program returned
    int instructions = 0;  // instructions executed, the return included
    // True when the path loaded instruction_pointer or args: the kernel's action cache
    // (Linux 5.11+) only caches calls whose verdict depends on nothing but arch and nr.
    bool read_arguments = false;
  };

  static Result<BpfEvaluator> Create(std::span<const sock_filter> program);

  Verdict Evaluate(const seccomp_data& data) const;

  size_t size() const { return program_.size(); }

 private:
  explicit BpfEvaluator(std::vector<sock_filter> program) : program_(std::move(program)) {}

  std::vector<sock_filter> program_;
};

// The action part of a seccomp return value (SECCOMP_RET_ACTION_FULL) and its data part.
inline uint32_t SeccompAction(uint32_t value) { return value & SECCOMP_RET_ACTION_FULL; }
inline uint32_t SeccompData(uint32_t value) { return value & SECCOMP_RET_DATA; }

}  // namespace sysfence

#endif  // SYSFENCE_SECCOMP_BPF_EVALUATOR_H_
