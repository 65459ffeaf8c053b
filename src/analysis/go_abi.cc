// Go calling conventions and runtime knowledge (see go_abi.h).
#include "analysis/go_abi.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace sysfence {
namespace {

// "funcN", "gowrapN", "deferwrapN" or a bare number: the compiler's names for closures and
// numbered package initialisers.
bool IsClosureComponent(std::string_view part) {
  for (std::string_view prefix : {"func", "gowrap", "deferwrap", ""}) {
    if (part.size() <= prefix.size() || part.substr(0, prefix.size()) != prefix) continue;
    std::string_view digits = part.substr(prefix.size());
    bool numeric = true;
    for (char c : digits) numeric &= std::isdigit(static_cast<unsigned char>(c)) != 0;
    if (numeric) return true;
  }
  return false;
}

}  // namespace

FrameModel GoFrameModel(std::span<const Instruction> instructions,
                        std::function<int64_t(const Instruction&)> call_writes) {
  FrameModel frame;
  frame.call_clobbers = kGoCallClobbers;
  frame.track_stack = true;
  frame.frame_escapes = FrameEscapes(instructions);
  frame.call_writes = std::move(call_writes);
  return frame;
}

bool IsGoMethodName(std::string_view name) {
  if (name.starts_with("type.") || name.starts_with("type:")) return false;
  // The package path ends at the first dot after its last slash (the linker escapes dots in
  // the last element as %2e); type arguments in brackets may hold slashes and dots.
  size_t bracket = name.find('[');
  size_t slash = name.substr(0, bracket).rfind('/');
  size_t dot = name.find('.', slash == std::string_view::npos ? 0 : slash);
  if (dot == std::string_view::npos) return false;
  std::string_view rest = name.substr(dot + 1);
  if (rest.starts_with("(")) return true;  // pkg.(*T).M and closures inside it
  // Split the rest at the dots outside brackets.
  std::vector<std::string_view> parts;
  int depth = 0;
  size_t begin = 0;
  for (size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] == '[') ++depth;
    if (rest[i] == ']') --depth;
    if (rest[i] == '.' && depth == 0) {
      parts.push_back(rest.substr(begin, i - begin));
      begin = i + 1;
    }
  }
  parts.push_back(rest.substr(begin));
  if (parts.size() < 2 || parts[0].empty() || parts[0] == "init" || parts[0] == "glob") {
    return false;
  }
  // pkg.T.M and pkg.T.M.func1 (a closure in a method); pkg.F.func1 and pkg.F.func1.2 are
  // closures of a function, pkg.T.M-fm a method value (its address is taken where made).
  return !IsClosureComponent(parts[1]) && !parts[1].ends_with("-fm");
}

bool IsGoNoReturn(std::string_view name) {
  static constexpr std::string_view kNames[] = {"gopanic",
                                                "throw",
                                                "fatal",
                                                "fatalthrow",
                                                "fatalpanic",
                                                "panicwrap",
                                                "panicdivide",
                                                "panicshift",
                                                "panicdottypeE",
                                                "panicdottypeI",
                                                "panicnildottype",
                                                "panicmakeslicelen",
                                                "panicmakeslicecap",
                                                "panicmem",
                                                "panicmemAddr",
                                                "panicoverflow",
                                                "panicfloat",
                                                "panicunsafeslicelen",
                                                "panicunsafeslicenilptr",
                                                "panicunsafestringlen",
                                                "panicunsafestringnilptr"};
  static constexpr std::string_view kPrefixes[] = {"goPanicIndex", "goPanicSlice", "panicIndex",
                                                   "panicSlice"};
  if (!name.starts_with("runtime.")) return false;
  std::string_view local = name.substr(8);
  for (std::string_view n : kNames) {
    if (local == n) return true;
  }
  for (std::string_view prefix : kPrefixes) {
    if (local.starts_with(prefix) && local.find('.') == std::string_view::npos) return true;
  }
  return false;
}

bool KeepsCallerFrame(std::string_view name) {
  return name == "runtime.morestack" || name == "runtime.morestack_noctxt";
}

void NormalizeGoPrologue(std::span<Instruction> instructions) {
  if (instructions.empty()) return;
  Instruction& first = instructions[0];
  bool copies_rsp =
      (first.op == RegisterOp::kAddToRegister || first.op == RegisterOp::kMoveRegister) &&
      first.src == kRsp && first.dst == kR12;
  if (copies_rsp) {
    first.op = RegisterOp::kNone;
    first.clobbered |= static_cast<uint16_t>(1u << kR12);
    first.exposes_frame = false;
  }
  // cmp 0x10(%r14),%rsp (or R12) and the conditional jump right after it, within the first
  // few instructions (mov %rsp,%r12; sub $N,%r12; jb ...; cmp; jbe for huge frames).
  for (size_t i = 0; i + 1 < instructions.size() && i < 5; ++i) {
    const Instruction& jump = instructions[i + 1];
    if (instructions[i].base != kR14 || jump.flow != Flow::kConditionalJump) continue;
    auto target =
        std::lower_bound(instructions.begin(), instructions.end(), jump.target,
                         [](const Instruction& insn, uint64_t a) { return insn.address < a; });
    if (target == instructions.end() || target->address != jump.target ||
        target == instructions.begin()) {
      return;
    }
    auto before = std::prev(target);
    while (before != instructions.begin() && before->padding) --before;
    if (before->flow == Flow::kCall || before->flow == Flow::kIndirectCall) before->noreturn = true;
    return;
  }
}

std::string_view GoNumberSourceOf(std::string_view caller) {
  return caller == "runtime.runPerThreadSyscall" ? "syscall.runtime_doAllThreadsSyscall" : "";
}

}  // namespace sysfence
