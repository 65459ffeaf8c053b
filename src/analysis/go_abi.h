// What the analysis knows about Go code: its calling conventions (ABIInternal passes integer
// arguments in RAX, RBX, RCX, RDI, RSI, R8-R11; assembly functions keep ABI0, arguments on
// the stack from 8(%rsp); every register but %rsp and %rbp is clobbered by a call; R14
// holds the goroutine and is never an argument), which functions the runtime calls through
// tables the analysis does not read, and the one place the runtime hands a system call
// number from one thread to the others.
//
//   FrameModel frame = GoFrameModel(instructions, call_writes);
//   if (IsGoMethodName("os.(*File).ReadFrom")) ...;   // reachable through method tables
#ifndef SYSFENCE_ANALYSIS_GO_ABI_H_
#define SYSFENCE_ANALYSIS_GO_ABI_H_

#include <functional>
#include <span>
#include <string_view>

#include "analysis/instruction.h"
#include "analysis/register_dataflow.h"

namespace sysfence {

// Go's calls clobber every general purpose register but the stack and frame pointers.
inline constexpr uint16_t kGoCallClobbers =
    static_cast<uint16_t>(0xffffu & ~((1u << kRsp) | (1u << kRbp)));

// The frame model of a Go function: stack words tracked (arguments of ABI0 functions, and
// values spilled across calls), Go's clobbers; `call_writes` as in FrameModel.
FrameModel GoFrameModel(std::span<const Instruction> instructions,
                        std::function<int64_t(const Instruction&)> call_writes);

// A method by its Go symbol name: "pkg.T.M", "pkg.(*T).M", "path/pkg.(*T[...]).M", and the
// closures inside methods. Closures of functions ("pkg.F.func1"), package initialisers and
// the compiler's type helpers ("type..eq.T") are not. Methods can be called through the
// method tables of type descriptors, which hold their offsets, not their addresses.
bool IsGoMethodName(std::string_view name);

// The runtime's functions that never return (panics, throws): the compiler ends a block at
// their calls, but their own code ends with returns nothing reaches.
bool IsGoNoReturn(std::string_view name);

// The stack growth functions every Go function calls from its prologue: they copy the
// goroutine's stack whole, so the caller's frame (and the arguments it spilled there) keep
// their values, whatever argument size the table records for them.
bool KeepsCallerFrame(std::string_view name);

// Reads Go's stack-growth prologue the way the compiler means it:
// - functions with large frames compare a copy of %rsp in R12 (lea -N(%rsp),%r12;
//   cmp 0x10(%r14),%r12): that copy goes nowhere, so it neither hands out the frame nor
//   keeps a stack address; the first instruction becomes a plain clobber;
// - the prologue's conditional jump leads to the block calling runtime.morestack, which the
//   compiler places after every other block: the call before it never returns (a panic, or
//   a function such as os.Exit that the analysis cannot tell never returns), so nothing
//   falls into that block with the frame allocated.
void NormalizeGoPrologue(std::span<Instruction> instructions);

// The Go runtime's per-thread system calls (syscall.AllThreadsSyscall, used by the pure-Go
// set*id functions): runtime.runPerThreadSyscall makes, on every thread, the call whose
// number syscall.runtime_doAllThreadsSyscall (the runtime's
// syscall_runtime_doAllThreadsSyscall) received in RAX, through a global it fills. The
// name of that function, when `caller` is runtime.runPerThreadSyscall; "" otherwise.
std::string_view GoNumberSourceOf(std::string_view caller);

}  // namespace sysfence

#endif  // SYSFENCE_ANALYSIS_GO_ABI_H_
