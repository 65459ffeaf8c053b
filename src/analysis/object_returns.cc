// Which functions can return to their caller (see ComputeReturns in object_analyzer_impl.h):
// a call to one that cannot ends its block, so the data flow does not run on into the bytes
// after it.
#include "analysis/object_analyzer_impl.h"

namespace sysfence {

bool IsNoReturnImport(std::string_view name) {
  static constexpr std::string_view kNames[] = {"exit",
                                                "_exit",
                                                "_Exit",
                                                "quick_exit",
                                                "abort",
                                                "__stack_chk_fail",
                                                "__assert_fail",
                                                "__assert_perror_fail",
                                                "__assert",
                                                "__libc_fatal",
                                                "err",
                                                "errx",
                                                "verr",
                                                "verrx",
                                                "__fortify_fail",
                                                "__chk_fail",
                                                "pthread_exit",
                                                "longjmp",
                                                "_longjmp",
                                                "siglongjmp",
                                                "__longjmp_chk",
                                                "__cxa_throw",
                                                "__cxa_rethrow",
                                                "__cxa_bad_cast",
                                                "__cxa_bad_typeid",
                                                "__cxa_throw_bad_array_new_length",
                                                "__cxa_call_unexpected",
                                                "_Unwind_Resume",
                                                "_ZSt9terminatev"};
  for (std::string_view n : kNames) {
    if (n == name) return true;
  }
  return false;
}

void ObjectAnalyzer::ComputeReturns() {
  for (uint32_t f = 0; f < summary_.functions.size(); ++f) {
    if (summary_.functions[f].flags & kFunctionPltStub) {
      returns_[f] = plt_import_[f] == kNoIndex ||
                    !IsNoReturnImport(elf_.dynamic_symbols()[plt_import_[f]].name);
    }
  }
  // Greatest fixpoint: start from "never returns", mark what can return, propagate.
  std::vector<std::vector<uint32_t>> dependents(summary_.functions.size());
  for (uint32_t f = 0; f < summary_.functions.size(); ++f) {
    for (uint32_t g : return_depends_[f]) dependents[g].push_back(f);
  }
  // Go's panics and throws: the compiler ends the block at their calls, and leaves dead
  // returns after the calls they make in turn.
  std::vector<uint8_t> never_returns(summary_.functions.size(), 0);
  for (uint32_t f : go_never_return_) never_returns[f] = 1;
  std::vector<uint32_t> work;
  for (uint32_t f = 0; f < summary_.functions.size(); ++f) {
    if (never_returns[f]) returns_[f] = 0;
    if (returns_[f]) work.push_back(f);
  }
  while (!work.empty()) {
    uint32_t g = work.back();
    work.pop_back();
    for (uint32_t f : dependents[g]) {
      if (!returns_[f] && !never_returns[f]) {
        returns_[f] = 1;
        work.push_back(f);
      }
    }
  }
  return_depends_.clear();
}

}  // namespace sysfence
